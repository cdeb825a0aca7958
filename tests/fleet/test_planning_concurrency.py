"""Races on PostgreSQL: many dispatchers press "plan routes" for one slot at once."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from time import monotonic, sleep
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from apps.fleet.models import CourierRoute, PlanStatus, RoutePlan, RouteStop, Shift
from apps.fleet.services import planning
from apps.fleet.services.planning import (
    PlanningError,
    route_plan_cancel,
    route_plan_compute,
    route_plan_start,
)
from tests.concurrency import race, require_postgres
from tests.fleet.conftest import FleetWorld, make_fleet_world
from tests.ledger.conftest import lifted_sqlite_guards  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def pg_fw(lifted_sqlite_guards: None, monkeypatch: Any) -> FleetWorld:  # noqa: F811
    require_postgres()
    monkeypatch.setattr(planning, "_enqueue", lambda plan_id: None)  # no job: plans stay queued
    return make_fleet_world()


def test_eight_simultaneous_starts_for_one_slot_queue_one_plan(pg_fw: FleetWorld) -> None:
    fw = pg_fw

    def press(index: int) -> RoutePlan:
        return route_plan_start(
            company=fw.company,
            depot=fw.depot,
            date=timezone.localdate() + timedelta(days=1),
            slot_start=time(0),
            slot_end=time(23, 59),
            time_limit_s=5,
        )

    started, refused = race(8, press)

    assert len(started) == 1
    assert len(refused) == 7 and all(isinstance(e, PlanningError) for e in refused), refused[:3]
    assert RoutePlan.objects.count() == 1


def test_cancelling_a_long_plan_stops_its_search_within_seconds(pg_fw: FleetWorld) -> None:
    """A minute's search for 120 orders; the dispatcher cancels once the search is under way."""
    fw = pg_fw
    day = timezone.localdate() + timedelta(days=1)
    Shift.objects.filter(company=fw.company).update(date=day)
    for _ in range(4):
        fw.add_courier()
    Shift.objects.filter(company=fw.company).update(date=day)
    window = (at(day, 9), at(day, 13))
    for _ in range(120):
        fw.order_near(window=window)
    plan = route_plan_start(
        company=fw.company,
        depot=fw.depot,
        date=day,
        slot_start=time(0),
        slot_end=time(23, 59),
        time_limit_s=60,
    )
    finished: list[float] = []

    def job() -> None:
        try:
            route_plan_compute(plan_id=plan.pk)
            finished.append(monotonic())
        finally:
            connections.close_all()

    worker = threading.Thread(target=job)
    worker.start()
    searching = monotonic() + 60
    while not RoutePlan.objects.filter(pk=plan.pk, progress__gte=40).exists():
        assert monotonic() < searching, "the search never started"
        sleep(0.05)
    sleep(0.5)
    pressed = monotonic()
    route_plan_cancel(plan=plan)
    worker.join(timeout=70)

    assert not worker.is_alive() and finished
    assert finished[0] - pressed < 5
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELLED
    assert not RouteStop.objects.filter(plan=plan).exists()
    assert not CourierRoute.objects.filter(plan=plan).exists()
