"""Where couriers are: the latest reported position of each."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import OuterRef, Subquery

from apps.fleet.models import CourierPosition
from apps.orders.models import Order
from apps.orders.positions import CourierPosition as PublicPosition
from apps.org.models import StaffMember


def latest_position(*, courier_id: int) -> CourierPosition | None:
    return CourierPosition.objects.filter(courier_id=courier_id).order_by("-recorded_at").first()


def latest_positions(*, courier_ids: Iterable[int]) -> dict[int, CourierPosition]:
    """The newest position of each courier: two index lookups however long the history."""
    newest = (
        CourierPosition.objects.filter(courier_id=OuterRef("pk"))
        .order_by("-recorded_at", "-pk")
        .values("pk")[:1]
    )
    latest_ids = (
        StaffMember.objects.filter(pk__in=list(courier_ids))
        .annotate(position_id=Subquery(newest))
        .exclude(position_id=None)
        .values_list("position_id", flat=True)
    )
    rows = CourierPosition.objects.in_bulk(list(latest_ids))
    return {row.courier_id: row for row in rows.values()}


def order_courier_position(order: Order) -> PublicPosition | None:
    """For the customer's tracking page: the courier's latest position, if any."""
    if order.courier_id is None:
        return None
    position = latest_position(courier_id=order.courier_id)
    if position is None:
        return None
    return PublicPosition(
        latitude=position.latitude, longitude=position.longitude, at=position.recorded_at
    )
