"""What a courier sees of the grab pool: the orders he may claim, and those he may hand back."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from apps.fleet.models import DispatchSettings, GrabOffer, Shift
from apps.fleet.planner.distances import haversine_m
from apps.fleet.planner.model import GeoPoint
from apps.fleet.services.dispatch import (
    CARRIED,
    WORKING,
    local_midnight,
    new_order_task,
)
from apps.fleet.services.grab import courier_start
from apps.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from apps.org.models import StaffMember


@dataclass(frozen=True)
class PoolEntry:
    order: Order
    offer: GrabOffer
    distance_km: float


@dataclass(frozen=True)
class GrabPool:
    shift: Shift | None
    open_orders: int
    max_open_orders: int
    radius_km: Decimal
    entries: list[PoolEntry] = field(default_factory=list)
    mine: list[Order] = field(default_factory=list)  # orders he may hand back

    @property
    def at_cap(self) -> bool:
        return self.open_orders >= self.max_open_orders


def _with_lines(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.select_related("address", "customer").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product"))
    )


def grab_pool_for(*, courier: StaffMember) -> GrabPool:
    """Open offers at the depot of his shift today, within the radius, that he could take.

    Sorted nearest first. A fixed number of queries, however many offers there are.
    """
    shift = (
        Shift.objects.filter(courier=courier, date=timezone.localdate(), status__in=WORKING)
        .select_related("depot", "vehicle")
        .first()
    )
    open_orders = Order.objects.filter(courier=courier, status__in=CARRIED).count()
    mine = handback_orders(courier=courier)
    if shift is None:
        defaults = DispatchSettings()
        return GrabPool(
            shift=None,
            open_orders=open_orders,
            max_open_orders=defaults.max_open_orders,
            radius_km=defaults.grab_radius_km,
            mine=mine,
        )
    dispatch = (
        DispatchSettings.objects.filter(depot_id=shift.depot_id).first() or DispatchSettings()
    )
    depot = shift.depot
    depot_point = GeoPoint(float(depot.latitude), float(depot.longitude))
    start = courier_start(courier, depot_point)
    radius_m = float(dispatch.grab_radius_km) * 1000
    skills = set(courier.skills or ())
    capacity = shift.vehicle.capacity_units if shift.vehicle else None
    midnight = local_midnight()
    offers = (
        GrabOffer.objects.filter(
            depot_id=shift.depot_id,
            closed_at=None,
            order__status=OrderStatus.PENDING,
            order__courier=None,
        )
        .exclude(declined_by=courier)
        .select_related("order__address", "order__customer")
        .prefetch_related(
            Prefetch("order__lines", queryset=OrderLine.objects.select_related("product"))
        )
    )
    entries: list[PoolEntry] = []
    for offer in offers:
        lines = [
            (line.quantity, line.product.load_units, line.product.required_skill)
            for line in offer.order.lines.all()
        ]
        task = new_order_task(offer.order, midnight, depot_point, lines)
        if not task.skills <= skills or (capacity is not None and task.demand > capacity):
            continue
        metres = haversine_m(start, task.location)
        if metres <= radius_m:
            entries.append(PoolEntry(order=offer.order, offer=offer, distance_km=metres / 1000))
    entries.sort(key=lambda e: (e.distance_km, e.order.window_end, e.order.pk))
    return GrabPool(
        shift=shift,
        open_orders=open_orders,
        max_open_orders=dispatch.max_open_orders,
        radius_km=dispatch.grab_radius_km,
        entries=entries,
        mine=mine,
    )


def handback_orders(*, courier: StaffMember) -> list[Order]:
    """His assigned orders that the system gave him or he claimed (not a dispatcher's choice)."""
    given_by = (
        OrderEvent.objects.filter(order=OuterRef("pk"), to_status=OrderStatus.ASSIGNED)
        .order_by("-at", "-pk")
        .values("actor_id")[:1]
    )
    return list(
        _with_lines(
            Order.objects.filter(courier=courier, status=OrderStatus.ASSIGNED)
            .annotate(given_by=Subquery(given_by))
            .filter(Q(given_by__isnull=True) | Q(given_by=courier.user_id))
            .order_by("window_start", "pk")
        )
    )
