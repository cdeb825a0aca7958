"""A courier's day: his open orders in the order of today's published routes."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch

from apps.fleet.models import PlanStatus, RouteStop
from apps.orders.models import Order, OrderLine, OrderStatus
from apps.org.models import StaffMember


def courier_day_stops(*, courier: StaffMember, day: date) -> list[Order]:
    """His assigned and out-for-delivery orders up to ``day``: routed ones in planned order,
    then the others by window (three queries)."""
    routed = RouteStop.objects.filter(
        courier=courier, plan__date=day, plan__status=PlanStatus.PUBLISHED
    ).order_by("plan__slot_start", "trip", "sequence")
    position = {
        order_id: index for index, order_id in enumerate(routed.values_list("order_id", flat=True))
    }
    orders = list(
        Order.objects.filter(
            company_id=courier.company_id,
            courier=courier,
            status__in=[OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY],
            window_start__date__lte=day,
        )
        .select_related("customer", "address")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("product")))
    )
    unplanned = len(position)
    orders.sort(key=lambda order: (position.get(order.pk, unplanned), order.window_start))
    return orders
