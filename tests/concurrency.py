"""Races on PostgreSQL: real threads, one database connection each, started together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection, connections

from tests.environment import require_or_skip


def require_postgres() -> None:
    require_or_skip(
        connection.vendor == "postgresql",
        "concurrency tests need PostgreSQL (set DATABASE_URL=postgres://…)",
    )


def race(count: int, action: Callable[[int], Any]) -> tuple[list[Any], list[BaseException]]:
    """Run ``action(0) … action(count - 1)`` at once; return what they gave and raised."""
    barrier = threading.Barrier(count)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcome = action(index)
            with lock:
                results.append(outcome)
        except BaseException as error:
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results, errors
