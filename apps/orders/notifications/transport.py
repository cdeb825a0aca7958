"""The one place messages leave the machine: a plain HTTP POST (tests replace ``http_post``)."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class TransportError(Exception):
    """The request did not get an HTTP answer (DNS, refused, timeout…)."""


def http_post(url: str, *, body: bytes, headers: Mapping[str, str], timeout: float) -> HttpReply:
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpReply(response.status, response.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as error:
        return HttpReply(error.code, error.read().decode("utf-8", "replace"))
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise TransportError(str(getattr(error, "reason", error))) from error
