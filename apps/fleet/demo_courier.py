"""Demo: each courier on shift has loaded his vehicle and done part of today's route.

Called by the fleet demo once routes are published: the first stops of every
courier's route are delivered or failed through the same actions his phone sends,
a few waiting orders are offered in the grab pool, and the company has commission
rules, so the courier page, the board and the hand-over show a day in progress.
"""

from __future__ import annotations

import uuid
from contextlib import suppress
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.catalog.models import Product
from apps.fleet.models import CommissionSettings, DispatchSettings, Shift, ShiftStatus
from apps.fleet.selectors.courier import courier_stops
from apps.fleet.services.courier import StopAction, courier_action_apply
from apps.fleet.services.grab import grab_offer_open
from apps.ledger.errors import LedgerError
from apps.ledger.services import stock_load
from apps.orders.models import Order, OrderStatus
from apps.org.models import Company

# Of each courier's route: the first stops delivered, the next one failed, the next arrived.
DELIVERED, FAILED, ARRIVED = 2, 1, 1
LOAD_PER_COURIER = 12
POOL_OFFERS = 3


def seed_courier_days(company: Company) -> int:
    """Returns how many stop actions were recorded."""
    CommissionSettings.objects.get_or_create(
        company=company, defaults={"per_order_fen": 100, "per_unit_fen": 50, "per_floor_fen": 20}
    )
    recorded = 0
    today = timezone.localdate()
    for shift in Shift.objects.filter(company=company, date=today, status=ShiftStatus.ON):
        _load_out(shift)
        recorded += _work_the_route(shift)
    _offer_in_pool(company)
    return recorded


def _load_out(shift: Shift) -> None:
    for product_id in (
        Order.objects.filter(courier=shift.courier, status=OrderStatus.ASSIGNED)
        .values_list("lines__product", flat=True)
        .distinct()
    ):
        # A depot short of stock loads what it has: the demo goes on without it.
        with suppress(LedgerError, ValidationError):
            stock_load(
                company=shift.company,
                key=f"shift:{shift.pk}:load:{product_id}",
                depot=shift.depot,
                courier=shift.courier,
                product=Product.objects.get(company=shift.company, pk=product_id),
                quantity=LOAD_PER_COURIER,
                occurred_at=shift.started_at,
            )


def _work_the_route(shift: Shift) -> int:
    courier = shift.courier
    open_stops = [
        stop
        for stop in courier_stops(courier=courier, day=shift.date)
        if stop.order.status in (OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY)
    ]
    kinds = ["deliver"] * DELIVERED + ["fail"] * FAILED + ["arrive"] * ARRIVED
    # A short route still ends with the courier at a door: the arrival is kept.
    kinds = kinds[-len(open_stops) :] if open_stops else []
    now = timezone.now()
    recorded = 0
    for index, (stop, kind) in enumerate(zip(open_stops, kinds, strict=False)):
        address = stop.order.address
        action = StopAction(
            key=uuid.uuid4().hex,
            kind=kind,
            order_id=stop.order.pk,
            payload={"reason": "not_home"} if kind == "fail" else {},
            occurred_at=now - timedelta(minutes=20 * (len(kinds) - index)),
            latitude=address.latitude,
            longitude=address.longitude,
        )
        result = courier_action_apply(courier=courier, action=action, user=courier.user)
        recorded += result.applied
    return recorded


def _offer_in_pool(company: Company) -> None:
    for dispatch in DispatchSettings.objects.filter(company=company):
        waiting = Order.objects.filter(
            company=company, depot=dispatch.depot, status=OrderStatus.PENDING
        ).order_by("window_start")[:POOL_OFFERS]
        for order in waiting:
            grab_offer_open(order=order, dispatch=dispatch)
