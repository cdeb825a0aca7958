"""A small fixed-window rate limit counted in Django's cache (shared when the cache is)."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 60


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR only, like the log-in lock-out: forwarded headers can be forged.
    return str(request.META.get("REMOTE_ADDR", ""))


def over_limit(*, scope: str, who: str, limit: int, window: int = WINDOW_SECONDS) -> bool:
    """Count one request of ``who``; True once more than ``limit`` came in this window."""
    key = f"ratelimit:{scope}:{who}:{int(time.time() // window)}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    return count > limit
