"""Races on PostgreSQL: two dispatchers plan the same courier's day at once."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.fleet.models import Shift
from apps.fleet.services.setup import shift_create
from tests.concurrency import race, require_postgres
from tests.fleet.conftest import FleetWorld, make_fleet_world
from tests.ledger.conftest import lifted_sqlite_guards  # noqa: F401  (a fixture)
from tests.orders.conftest import make_courier

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pg_fw(lifted_sqlite_guards: None) -> FleetWorld:  # noqa: F811
    require_postgres()
    return make_fleet_world()


def test_two_dispatchers_planning_one_courier_day_make_one_shift(pg_fw: FleetWorld) -> None:
    fw = pg_fw
    courier = make_courier(fw.ow)
    day = timezone.localdate() + timedelta(days=1)

    def plan(index: int) -> Shift:
        return shift_create(
            company=fw.company,
            courier=courier,
            depot=fw.depot,
            date=day,
            starts_at=time(6 + index),
            ends_at=time(18),
        )

    made, refused = race(6, plan)

    assert len(made) == 1
    assert len(refused) == 5
    assert all(isinstance(error, ValidationError) for error in refused), refused[:2]
    assert all("date" in error.message_dict for error in refused)  # type: ignore[attr-defined]
    assert Shift.objects.filter(courier=courier, date=day).count() == 1
