"""Getting a web process ready before its first request.

Everything a process imports at start (Django, DRF, the URLconf with every
view, OR-Tools…) lives as long as the process: several hundred thousand
objects. Left to the cyclic garbage collector, each of its full passes walks
them all again, and a request that happens to trigger one waits for it (tens
of milliseconds per pass, while the process holds the GIL). Freezing them once
after start-up moves them out of the collector's sight: later passes only look
at what requests allocated. In a forking server the frozen objects are also
never written to by the collector, so their pages stay shared with the parent.
"""

from __future__ import annotations

import gc

from django.urls import get_resolver


def load_urlconf() -> None:
    """Import every view module now, as the first request would otherwise do."""
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - importing the URLconf is the point
    resolver._populate()


def freeze_startup_objects() -> int:
    """Collect start-up garbage, then hide what survives from later passes; returns how many."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def ready_for_requests() -> int:
    """What a web process does after loading the application: URLconf loaded, heap frozen."""
    load_urlconf()
    return freeze_startup_objects()
