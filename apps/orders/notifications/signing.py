"""Request signing for the two SMS providers, as pure functions (tested against their docs).

Aliyun (dysmsapi, RPC style, signature version 1.0): sort the parameters,
percent-encode names and values per RFC 3986, join them into the canonicalised
query, sign ``METHOD&%2F&<encoded query>`` with HMAC-SHA1 keyed by
``secret + "&"`` and Base64 the digest.

Tencent Cloud (API 3.0, TC3-HMAC-SHA256): hash a canonical request (method,
URI, query, signed headers, payload hash), sign ``algorithm / timestamp /
credential scope / hash`` with a key derived from the secret, the UTC date and
the service, and send it in the ``Authorization`` header.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

TC3_ALGORITHM = "TC3-HMAC-SHA256"
TC3_CONTENT_TYPE = "application/json; charset=utf-8"


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun wants it: only ``A-Z a-z 0-9 - _ . ~`` stay as they are."""
    return quote(value, safe="-_.~")


def aliyun_canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(
        f"{percent_encode(name)}={percent_encode(value)}"
        for name, value in sorted(params.items())
        if name != "Signature"
    )


def aliyun_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    return (
        f"{method.upper()}&{percent_encode('/')}&{percent_encode(aliyun_canonical_query(params))}"
    )


def aliyun_signature(*, method: str, params: Mapping[str, str], secret: str) -> str:
    digest = hmac.new(
        f"{secret}&".encode(), aliyun_string_to_sign(method, params).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


def _sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _hmac_sha256(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class Tc3Request:
    """A POST with a JSON body to a Tencent Cloud API 3.0 endpoint."""

    host: str
    service: str
    payload: str
    timestamp: int
    content_type: str = TC3_CONTENT_TYPE

    @property
    def date(self) -> str:
        # The credential scope's date is the UTC date of the timestamp, never local time.
        return datetime.fromtimestamp(self.timestamp, tz=UTC).strftime("%Y-%m-%d")

    @property
    def credential_scope(self) -> str:
        return f"{self.date}/{self.service}/tc3_request"


SIGNED_HEADERS = "content-type;host"


def tc3_canonical_request(request: Tc3Request) -> str:
    canonical_headers = f"content-type:{request.content_type}\nhost:{request.host}\n"
    return "\n".join(
        ["POST", "/", "", canonical_headers, SIGNED_HEADERS, _sha256_hex(request.payload)]
    )


def tc3_string_to_sign(request: Tc3Request) -> str:
    return "\n".join(
        [
            TC3_ALGORITHM,
            str(request.timestamp),
            request.credential_scope,
            _sha256_hex(tc3_canonical_request(request)),
        ]
    )


def tc3_signature(request: Tc3Request, *, secret_key: str) -> str:
    secret_date = _hmac_sha256(f"TC3{secret_key}".encode(), request.date)
    secret_service = _hmac_sha256(secret_date, request.service)
    secret_signing = _hmac_sha256(secret_service, "tc3_request")
    return hmac.new(
        secret_signing, tc3_string_to_sign(request).encode(), hashlib.sha256
    ).hexdigest()


def tc3_authorization(request: Tc3Request, *, secret_id: str, secret_key: str) -> str:
    return (
        f"{TC3_ALGORITHM} Credential={secret_id}/{request.credential_scope}, "
        f"SignedHeaders={SIGNED_HEADERS}, "
        f"Signature={tc3_signature(request, secret_key=secret_key)}"
    )
