"""The demo world: each app adds its part in ``apps/<app>/demo.py``.

``seed_demo`` calls every app's ``seed(world)`` in the order of INSTALLED_APPS,
which is the dependency order, so an app can use what lower apps created. Every
seed is idempotent: running it twice changes nothing.

Building the history through the real services queues a job for each message
and new order; once the seed has committed, an app's ``tidy_queue()`` (where it
has one) drops the queued jobs that have nothing left to do, so a fresh demo's
job cluster is free at once for what the visitor does.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

DEMO_PASSWORD = "songda123"


@dataclass
class DemoWorld:
    today: date
    log: Callable[[str], None] = print
    rng: random.Random = field(default_factory=lambda: random.Random(20261122))
    companies: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def queued_jobs(func: str) -> dict[int, Any]:
    """Jobs of ``func`` waiting in the queue: their row id and first argument."""
    from django_q.models import OrmQ

    return {
        job.pk: (job.task.get("args") or [None])[0]
        for job in OrmQ.objects.all()
        if job.task.get("func") == func
    }


@transaction.atomic
def queued_jobs_drop(func: str, *, waiting: QuerySet[Any]) -> int:
    """Drop the queued jobs of ``func`` whose first argument is no row of ``waiting``
    (the rows whose job still has something to do)."""
    from django_q.models import OrmQ

    jobs = queued_jobs(func)
    keep = set(waiting.filter(pk__in=set(jobs.values())).values_list("pk", flat=True))
    idle = [pk for pk, argument in jobs.items() if argument not in keep]
    OrmQ.objects.filter(pk__in=idle).delete()
    return len(idle)
