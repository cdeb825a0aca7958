"""Company A's vehicles, shifts, positions, dispatch settings and grab offers for the tenancy sweep."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.fleet.models import (
    CourierPosition,
    DispatchSettings,
    GrabOffer,
    Shift,
    Vehicle,
    VehicleKind,
)
from apps.orders.models import Order
from apps.org.models import Depot, Role, StaffMember
from tests.factories import DepotFactory
from tests.orders.fillers import make_order
from tests.tenancy import MARKER


def _depot(company: Any) -> Depot:
    return Depot.objects.filter(company=company).first() or DepotFactory(company=company)


def _vehicle(company: Any) -> Vehicle:
    return Vehicle.objects.filter(company=company, name=f"{MARKER}车").first() or (
        Vehicle.objects.create(
            company=company,
            depot=_depot(company),
            name=f"{MARKER}车",
            kind=VehicleKind.E_TRIKE,
            plate=MARKER,
            capacity_units=12,
        )
    )


def _courier(company: Any) -> StaffMember:
    # The team's own courier: other fillers expect a company to have exactly one.
    return StaffMember.objects.filter(company=company, role=Role.COURIER).order_by("pk")[0]


def _shift(company: Any) -> Shift:
    courier = _courier(company)
    return Shift.objects.filter(courier=courier).first() or Shift.objects.create(
        company=company,
        courier=courier,
        depot=_depot(company),
        vehicle=_vehicle(company),
        date=timezone.localdate(),
        starts_at=time(0, 0),
        ends_at=time(23, 59),
        status="on",
    )


def _position(company: Any) -> CourierPosition:
    _shift(company)
    return CourierPosition.objects.create(
        company=company,
        courier=_courier(company),
        latitude=Decimal("30.277310"),
        longitude=Decimal("120.133950"),
        recorded_at=timezone.now() - timedelta(minutes=1),
    )


def _dispatch_settings(company: Any) -> DispatchSettings:
    depot = _depot(company)
    return DispatchSettings.objects.get_or_create(depot=depot, defaults={"company": company})[0]


def _grab_offer(company: Any) -> GrabOffer:
    order = Order.objects.filter(company=company).first() or make_order(company)
    now = timezone.now()
    return GrabOffer.objects.filter(order=order).first() or GrabOffer.objects.create(
        company=company,
        order=order,
        depot=order.depot or _depot(company),
        offered_at=now,
        expires_at=now + timedelta(minutes=5),
    )


OBJECTS = {
    "fleet.vehicle": _vehicle,
    "fleet.shift": _shift,
    "fleet.courierposition": _position,
    "fleet.dispatchsettings": _dispatch_settings,
    "fleet.graboffer": _grab_offer,
}

URL_OBJECTS = {
    "fleet:vehicle_edit": "fleet.vehicle",
    "fleet:vehicle_deactivate": "fleet.vehicle",
    "fleet:vehicle_reactivate": "fleet.vehicle",
    "fleet:shift_edit": "fleet.shift",
    "fleet:shift_delete": "fleet.shift",
}
