"""An order dispatched after a plan was published joins the courier's published route, with an ETA."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from django.utils import timezone

from apps.fleet.models import DispatchPolicy, PlanStatus, RoutePlan, RouteStop, Shift, ShiftStatus
from apps.fleet.services.dispatch import DispatchAction, order_dispatch
from apps.fleet.services.planning import (
    route_plan_compute,
    route_plan_publish,
    route_plan_start,
)
from apps.org.models import Role, StaffMember
from tests.fleet.conftest import FleetWorld
from tests.fleet.test_dispatch import at_ten, order_at, policy

__all__ = ["at_ten"]


def published_today(fw: FleetWorld) -> RoutePlan:
    """Today's 8:00–20:00 plan of the depot's open orders, computed and published."""
    plan = route_plan_start(
        company=fw.company,
        depot=fw.depot,
        date=timezone.localdate(),
        slot_start=time(8),
        slot_end=time(20),
        time_limit_s=1,
        created_by=fw.team.users[Role.DISPATCHER],
    )
    route_plan_compute(plan_id=plan.pk)
    route_plan_publish(plan=plan, actor=fw.dispatcher)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED
    return plan


def only_one_courier_on_shift(fw: FleetWorld) -> StaffMember:
    working, *others = fw.couriers
    Shift.objects.filter(courier__in=others).update(status=ShiftStatus.ENDED)
    return working


def route_order_ids(plan: RoutePlan, courier: StaffMember) -> list[int]:
    return list(
        RouteStop.objects.filter(plan=plan, courier=courier)
        .order_by("trip", "sequence")
        .values_list("order_id", flat=True)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", [DispatchPolicy.AUTO, DispatchPolicy.NEAREST])
def test_an_order_dispatched_after_publishing_joins_the_route_where_it_fits_and_gets_an_eta(
    at_ten: datetime, fw: FleetWorld, name: str
) -> None:
    courier = only_one_courier_on_shift(fw)
    east, west = order_at(fw, 3.0), order_at(fw, -3.0)
    plan = published_today(fw)
    assert route_order_ids(plan, courier) in ([east.pk, west.pk], [west.pk, east.pk])
    policy(fw, name)

    between = order_at(fw, 0.0, 0.5)  # on his way from one side to the other
    outcome = order_dispatch(order_id=between.pk)

    assert (outcome.action, outcome.courier_id) == (DispatchAction.ASSIGNED, courier.pk)
    ids = route_order_ids(plan, courier)
    assert ids in ([east.pk, between.pk, west.pk], [west.pk, between.pk, east.pk])
    stops = list(RouteStop.objects.filter(plan=plan, courier=courier).order_by("sequence"))
    assert [s.sequence for s in stops] == [1, 2, 3]
    assert all(s.arrival_at is not None for s in stops)
    assert stops[0].arrival_at < stops[1].arrival_at < stops[2].arrival_at  # type: ignore[operator]
    between.refresh_from_db()
    assert between.eta_start is not None and between.eta_end is not None
    assert between.eta_start < between.eta_end


@pytest.mark.django_db
def test_an_order_outside_the_published_slot_stays_off_the_route(
    at_ten: datetime, fw: FleetWorld
) -> None:
    courier = only_one_courier_on_shift(fw)
    order_at(fw, 1.0)
    plan = published_today(fw)
    RoutePlan.objects.filter(pk=plan.pk).update(slot_start=time(8), slot_end=time(9))
    policy(fw, DispatchPolicy.AUTO)

    later = order_at(fw, 2.0)
    assert order_dispatch(order_id=later.pk).courier_id == courier.pk

    assert not RouteStop.objects.filter(order=later).exists()
    later.refresh_from_db()
    assert later.eta_start is None
