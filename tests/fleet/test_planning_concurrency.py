"""Races on PostgreSQL: many dispatchers press "plan routes" for one slot at once."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.fleet.models import RoutePlan
from apps.fleet.services import planning
from apps.fleet.services.planning import PlanningError, route_plan_start
from tests.concurrency import race, require_postgres
from tests.fleet.conftest import FleetWorld, make_fleet_world
from tests.ledger.conftest import lifted_sqlite_guards  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


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
