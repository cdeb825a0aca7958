"""HTML to PDF with WeasyPrint, fetching nothing but the project's own static files and data: URIs.

Text in the HTML comes from people (customer names, notes), so the renderer must
never read the server's files or the network: ``SafeFetcher`` refuses every URL
except ``data:`` and the project's ``STATIC_URL`` (served from the static
finders, never from an arbitrary path). Chinese is set in WenQuanYi Micro Hei.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

BASE_URL = "https://songda.invalid/"
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

CJK_FONT = '"WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", sans-serif'


class RefusedURL(ValueError):
    pass


def static_path(url: str) -> Path | None:
    """The file a static URL of this project means, or None."""
    parts = urlsplit(url)
    prefix = settings.STATIC_URL
    if parts.scheme != "https" or parts.netloc != urlsplit(BASE_URL).netloc:
        return None
    if not parts.path.startswith(prefix):
        return None
    relative = unquote(parts.path[len(prefix) :])
    if ".." in Path(relative).parts:
        return None
    found = finders.find(relative)
    return Path(found) if isinstance(found, str) else None


def _fetcher_class() -> Any:
    import weasyprint

    class SafeFetcher(weasyprint.URLFetcher):  # type: ignore[misc, name-defined]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = static_path(url)
            if path is None:
                raise RefusedURL(f"refused to fetch {url[:80]}")
            return super().fetch(path.as_uri(), headers)

    return SafeFetcher


def safe_fetcher() -> Any:
    return _fetcher_class()(timeout=5, allowed_protocols=("data", "file"))


def html_to_pdf(html: str) -> bytes:
    import weasyprint

    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=safe_fetcher())
    return bytes(document.write_pdf())
