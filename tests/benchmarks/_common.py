"""Helpers shared by the benchmark scripts: the figure format and a Django set-up."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def figure(bench: str, name: str, value: float, unit: str) -> None:
    print(
        json.dumps({"bench": bench, "figure": name, "value": round(value, 4), "unit": unit}),
        flush=True,
    )


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def machine_speed(bench: str) -> None:
    """Print how long a fixed pure-Python loop takes here and now (CPU time, ms).

    This machine's cores are shared, and their speed changes from one minute to
    the next; next to this figure, throughput and latency figures of different
    runs can be compared.
    """
    started = time.process_time()
    total = 0
    for number in range(2_000_000):
        total += number * number % 7
    figure(bench, "machine_loop_cpu_ms", (time.process_time() - started) * 1000, "ms")


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django

    django.setup()


@contextmanager
def bench_database(bench: str) -> Iterator[None]:
    """A throw-away database of the configured kind, named after the benchmark."""
    from django.conf import settings
    from django.db import connection

    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{bench}"
    # Not setup_test_environment(): its template instrumentation copies every context
    # for the test client and would be timed as if it were the page's own work.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
