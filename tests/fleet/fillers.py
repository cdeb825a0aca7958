"""Company A's vehicles, shifts, positions, dispatch settings and grab offers for the tenancy sweep."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from apps.fleet.models import (
    CommissionSettings,
    CourierAction,
    CourierPosition,
    DeliveryPhoto,
    DispatchSettings,
    GrabOffer,
    HandoverConfirmation,
    Shift,
    Vehicle,
    VehicleKind,
)
from apps.orders.models import Order
from apps.org.models import Depot, Role, StaffMember
from tests.factories import DepotFactory
from tests.orders.fillers import make_order
from tests.tenancy import MARKER

# The smallest PNG there is: one transparent pixel.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000005000157a3a9e50000000049454e44ae426082"
)


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


def _order(company: Any) -> Order:
    return Order.objects.filter(company=company).first() or make_order(company)


def _commission(company: Any) -> CommissionSettings:
    return CommissionSettings.objects.get_or_create(company=company)[0]


def _courier_action(company: Any) -> CourierAction:
    return CourierAction.objects.create(
        company=company,
        courier=_courier(company),
        key=MARKER,
        kind="arrive",
        order=_order(company),
        occurred_at=timezone.now(),
        outcome="conflict",
        message=MARKER,
    )


def _photo(company: Any) -> DeliveryPhoto:
    photo = DeliveryPhoto(
        company=company,
        order=_order(company),
        courier=_courier(company),
        purpose="proof",
        taken_at=timezone.now(),
    )
    photo.image.save("proof.png", ContentFile(PIXEL), save=False)
    photo.save()
    return photo


def _handover_confirmation(company: Any) -> HandoverConfirmation:
    return HandoverConfirmation.objects.create(
        company=company, courier=_courier(company), day=timezone.localdate(), figures={}
    )


OBJECTS = {
    "fleet.vehicle": _vehicle,
    "fleet.shift": _shift,
    "fleet.courierposition": _position,
    "fleet.dispatchsettings": _dispatch_settings,
    "fleet.graboffer": _grab_offer,
    "fleet.commissionsettings": _commission,
    "fleet.courieraction": _courier_action,
    "fleet.deliveryphoto": _photo,
    "fleet.handoverconfirmation": _handover_confirmation,
}

URL_OBJECTS = {
    "fleet:vehicle_edit": "fleet.vehicle",
    "fleet:vehicle_deactivate": "fleet.vehicle",
    "fleet:vehicle_reactivate": "fleet.vehicle",
    "fleet:shift_edit": "fleet.shift",
    "fleet:shift_delete": "fleet.shift",
    "fleet:courier_stop": "orders.order",
    "fleet:delivery_photo": "fleet.deliveryphoto",
}
