"""Queueing jobs for the django-q2 cluster (its ORM broker: the queue is a table).

``job_enqueue`` is ``django_q.tasks.async_task`` with a broker that leaves the
connection alone. The stock ORM broker runs Django's ``close_old_connections``
each time it is made and each time it queues; that is its own long-running
threads' clean-up, and after it the next query of a request pays for one more
health check. Requests get that clean-up from Django when they start and end,
and the cluster's workers before each task. Queued inside a transaction, the job
commits with it (or vanishes with its rollback).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db.models import QuerySet
from django_q.brokers import Broker
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.tasks import async_task


class _ConnectedOrmBroker(ORM):
    @staticmethod
    def get_connection(list_key: str | None = None) -> QuerySet[OrmQ]:
        return OrmQ.objects.using(Conf.ORM)


@cache
def _broker() -> Broker | None:
    # Another broker configured (Redis…): async_task uses it as it is.
    return _ConnectedOrmBroker() if Conf.ORM else None


def job_enqueue(func: str, *args: Any, task_name: str, timeout: int | None = None) -> str:
    """Queue ``func(*args)`` for the cluster under ``task_name``; returns the task id."""
    options: dict[str, Any] = {"task_name": task_name, "broker": _broker()}
    if timeout is not None:
        options["timeout"] = timeout
    return str(async_task(func, *args, **options))
