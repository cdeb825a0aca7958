"""Jobs queued from requests and services: with the business write, and cheaply."""

from __future__ import annotations

import pytest
from django.db import connections, transaction
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.tasks import async_task

from apps.core.jobs import job_enqueue

FUNC = "apps.customers.tasks.geocode_address"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def queued(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Conf, "SYNC", False)  # queue the jobs as production does


class _Rollback(Exception):
    pass


def test_a_job_is_queued_with_its_name_arguments_and_time_limit() -> None:
    job_enqueue(FUNC, 41, task_name="geocode-address-41", timeout=30)

    (job,) = OrmQ.objects.all()
    assert job.key == Conf.CLUSTER_NAME
    assert job.task["func"] == FUNC
    assert job.task["name"] == "geocode-address-41"
    assert list(job.task["args"]) == [41]
    assert job.task["timeout"] == 30


def test_a_job_queued_in_a_transaction_that_rolls_back_is_gone_with_it() -> None:
    with pytest.raises(_Rollback), transaction.atomic():
        job_enqueue(FUNC, 7, task_name="geocode-address-7")
        assert OrmQ.objects.count() == 1
        raise _Rollback

    assert OrmQ.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_queuing_does_not_check_the_connection_again_where_the_stock_broker_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A kept connection with health checks, as under gunicorn, already checked by the request.
    db = connections["default"]
    db.ensure_connection()
    monkeypatch.setattr(db, "health_check_enabled", True)
    monkeypatch.setattr(db, "close_at", None)
    checks: list[bool] = []
    is_usable = db.is_usable
    monkeypatch.setattr(db, "is_usable", lambda: checks.append(True) or is_usable())
    db.health_check_done = True

    job_enqueue(FUNC, 1, task_name="geocode-address-1")
    assert checks == []
    # The stock broker runs Django's close_old_connections, so its insert checks first.
    async_task(FUNC, 2, task_name="geocode-address-2")
    assert checks == [True]
    assert OrmQ.objects.count() == 2
