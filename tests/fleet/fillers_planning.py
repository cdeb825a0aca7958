"""Company A's route plans for the tenancy sweep."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django.utils import timezone

from apps.fleet.models import CourierRoute, PlanStatus, RoutePlan, RouteStop
from apps.orders.models import Order
from apps.org.models import Depot, Role, StaffMember
from tests.factories import DepotFactory, StaffFactory
from tests.orders.fillers import make_order
from tests.tenancy import MARKER


def _plan(company: Any) -> RoutePlan:
    existing = RoutePlan.objects.filter(company=company, message=MARKER).first()
    if existing is not None:
        return existing
    depot = Depot.objects.filter(company=company).first() or DepotFactory(company=company)
    courier = StaffMember.objects.filter(company=company, role=Role.COURIER).first() or (
        StaffFactory(company=company, role=Role.COURIER, user__first_name=MARKER)
    )
    now = timezone.now()
    plan = RoutePlan.objects.create(
        company=company,
        depot=depot,
        date=timezone.localdate(),
        slot_start=time(0, 0),
        slot_end=time(23, 59),
        status=PlanStatus.DONE,
        message=MARKER,
    )
    CourierRoute.objects.create(plan=plan, courier=courier, starts_at=now)
    order = Order.objects.filter(company=company).first() or make_order(company)
    RouteStop.objects.create(
        plan=plan,
        order=order,
        courier=courier,
        sequence=1,
        arrival_at=now + timedelta(hours=1),
        departure_at=now + timedelta(hours=1, minutes=5),
    )
    return plan


def _stop(company: Any) -> RouteStop:
    return RouteStop.objects.filter(plan=_plan(company)).get()


def _planned_courier(company: Any) -> StaffMember:
    return CourierRoute.objects.filter(plan=_plan(company)).get().courier


OBJECTS = {
    "fleet.routeplan": _plan,
    "fleet.routestop": _stop,
    "fleet.planned_courier": _planned_courier,
}

URL_OBJECTS = {
    "fleet:plan_detail": "fleet.routeplan",
    "fleet:plan_cancel": "fleet.routeplan",
    "fleet:plan_publish": "fleet.routeplan",
    "fleet:plan_stop_move": {"pk": "fleet.routeplan", "stop_pk": "fleet.routestop"},
    "fleet:plan_route_sheet": {"pk": "fleet.routeplan", "courier_pk": "fleet.planned_courier"},
}
