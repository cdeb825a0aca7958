"""Demo orders: the twelve weeks the ledger already booked, told as orders, and today's pool.

Every demo delivery the ledger posted (``demo:stop:<day>:<customer>``) becomes
a delivered order whose settlement is that very transaction, so the orders and
the books agree; a few failed and cancelled orders are told alongside. Past
moments (event times, delivery times) are written back onto the rows, since
the services stamp "now". Today's pool gets orders in every state through the
services. Running the seed again adds nothing: history is keyed by the ledger
transaction, today's pool by the customer's external demo number.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.catalog.models import Product
from apps.core.demo import DemoWorld, queued_jobs_drop
from apps.customers.models import Customer
from apps.ledger.models import Transaction, TransactionKind
from apps.orders.models import (
    ApiClient,
    CancelReason,
    FailReason,
    Notification,
    NotificationStatus,
    Order,
    OrderChannel,
    OrderEvent,
    OrderStatus,
    PaymentIntent,
)
from apps.orders.pricing import LineRequest
from apps.orders.services.clients import api_client_create
from apps.orders.services.intake import order_create
from apps.orders.services.lifecycle import (
    Actor,
    order_assign,
    order_cancel,
    order_fail,
    order_start_delivery,
)
from apps.orders.services.settlement import order_deliver
from apps.org.demo import WATER
from apps.org.models import Company, Role, StaffMember

MINI_PROGRAM = "清泉小程序"
HISTORY_CHANNELS = [
    OrderChannel.PHONE,
    OrderChannel.PHONE,
    OrderChannel.PHONE,
    OrderChannel.WECHAT,
    OrderChannel.MINI_PROGRAM,
    OrderChannel.MEITUAN,
    OrderChannel.ELEME,
    OrderChannel.BACK_OFFICE,
]
INTENT_BY_METHOD = {
    "cash": PaymentIntent.CASH,
    "wechat": PaymentIntent.SCAN,
    "alipay": PaymentIntent.SCAN,
    "wallet": PaymentIntent.WALLET,
    "credit": PaymentIntent.CREDIT,
    "tickets": PaymentIntent.TICKETS,
}


def day_at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def seed(world: DemoWorld) -> None:
    company = world.companies.get(WATER)
    if company is None:
        return
    dispatcher = StaffMember.objects.filter(company=company, role=Role.DISPATCHER).first()
    actor = Actor(user=dispatcher.user if dispatcher else None)
    rng = random.Random("orders-demo")
    told = _history(company, actor, rng)
    troubles = _troubles(company, actor, rng, world.today)
    today = _today(company, actor, rng, world.today)
    history_messages_sent(company, world.today)
    _api_client(company, world)
    world.log(
        f"orders: {told} delivered from the books, {troubles} failed or cancelled, {today} in today's pool"
    )


# --- the weeks the ledger booked ---------------------------------------------------


def _history(company: Company, actor: Actor, rng: random.Random) -> int:
    deliveries = Transaction.objects.filter(
        company=company, kind=TransactionKind.DELIVERY, key__startswith="demo:stop:"
    ).exclude(pk__in=Order.objects.filter(company=company).values("settlement_id"))
    products = {p.pk: p for p in Product.objects.filter(company=company)}
    told = 0
    for txn in deliveries.select_related("customer", "courier").order_by("occurred_at"):
        if txn.customer is None or txn.courier is None or txn.customer.default_address is None:
            continue
        _tell_delivery(company, txn, products, actor, rng)
        told += 1
    return told


@transaction.atomic
def _tell_delivery(
    company: Company,
    txn: Transaction,
    products: dict[int, Product],
    actor: Actor,
    rng: random.Random,
) -> Order:
    delivered_at = txn.occurred_at
    taken_at = delivered_at - timedelta(hours=rng.choice([1, 2, 3, 20]))
    start = delivered_at.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    lines = [
        LineRequest(products[line["product"]], line["quantity"], line["price_fen"])
        for line in txn.details.get("lines", [])
    ]
    method = (txn.details.get("payments") or [{"method": "cash"}])[0]["method"]
    order = order_create(
        company=company,
        customer=txn.customer,  # type: ignore[arg-type]
        lines=lines,
        window_start=start,
        window_end=start + timedelta(hours=2),
        channel=rng.choice(HISTORY_CHANNELS),
        payment_intent=INTENT_BY_METHOD.get(method, PaymentIntent.CASH),
        created_by=actor.user,
        taken_at=taken_at,
    )
    assigned = order_assign(order=order, courier=txn.courier, actor=actor)  # type: ignore[arg-type]
    out = order_start_delivery(order=assigned, actor=actor)
    Order.objects.filter(pk=out.pk).update(
        status=OrderStatus.DELIVERED,
        settlement=txn,
        delivered_at=delivered_at,
        status_changed_at=delivered_at,
    )
    for line in out.lines.all():
        line.delivered_quantity = line.quantity
        line.save(update_fields=["delivered_quantity"])
    OrderEvent.objects.create(
        company=company,
        order=out,
        at=delivered_at,
        actor=actor.user,
        from_status=OrderStatus.OUT_FOR_DELIVERY,
        to_status=OrderStatus.DELIVERED,
        courier=txn.courier,
    )
    _backdate(
        out, [taken_at, taken_at + timedelta(minutes=10), delivered_at - timedelta(minutes=40)]
    )
    return out


def _backdate(order: Order, moments: list[datetime]) -> None:
    """Put the events the services wrote "now" back at the moments they happened."""
    events = list(OrderEvent.objects.filter(order=order).order_by("pk"))
    for event, moment in zip(events, moments, strict=False):
        OrderEvent.objects.filter(pk=event.pk).update(at=moment)


def _customers(company: Company, count: int, rng: random.Random) -> list[Customer]:
    customers = list(
        Customer.objects.filter(company=company, status="active", addresses__is_default=True)
        .order_by("code")
        .distinct()[:120]
    )
    return rng.sample(customers, min(count, len(customers)))


def _water(company: Company) -> Product:
    products = Product.objects.filter(company=company, is_active=True)
    return products.filter(sku="W-NFSQ-189").first() or products.order_by("pk")[0]


def _couriers(company: Company) -> list[StaffMember]:
    return list(
        StaffMember.objects.filter(company=company, role=Role.COURIER, is_active=True).order_by(
            "pk"
        )[:4]
    )


def _troubles(company: Company, actor: Actor, rng: random.Random, today: date) -> int:
    """A few orders of the past weeks that failed or were cancelled, with their reasons."""
    if Order.objects.filter(company=company, external_id__startswith="demo-trouble-").exists():
        return 0
    water, couriers = _water(company), _couriers(company)
    fails = [
        FailReason.NOT_HOME,
        FailReason.NOT_HOME,
        FailReason.PHONE_OFF,
        FailReason.WRONG_ADDRESS,
        FailReason.REFUSED,
    ]
    cancels = [
        CancelReason.CHANGED_MIND,
        CancelReason.DUPLICATE,
        CancelReason.NO_STOCK,
        CancelReason.NOT_REACHABLE,
    ]
    made = 0
    for index, customer in enumerate(_customers(company, 9, rng)):
        day = today - timedelta(days=1 + index)
        taken = day_at(day, 8, 30)
        with transaction.atomic():
            order = order_create(
                company=company,
                customer=customer,
                lines=[LineRequest(water, rng.choice([1, 2]))],
                window_start=day_at(day, 10),
                window_end=day_at(day, 12),
                channel=rng.choice(HISTORY_CHANNELS),
                external_id=f"demo-trouble-{index}",
                created_by=actor.user,
                taken_at=taken,
            )
            if index < len(fails):
                order = order_assign(
                    order=order, courier=couriers[index % len(couriers)], actor=actor
                )
                order = order_start_delivery(order=order, actor=actor)
                order = order_fail(order=order, reason=fails[index], actor=actor, note="")
                order = order_cancel(order=order, reason=CancelReason.NOT_REACHABLE, actor=actor)
                moments = [
                    taken,
                    day_at(day, 9),
                    day_at(day, 10),
                    day_at(day, 10, 40),
                    day_at(day, 16),
                ]
            else:
                order_cancel(order=order, reason=cancels[index - len(fails)], actor=actor)
                moments = [taken, day_at(day, 9, 5)]
            _backdate(order, moments)
            Order.objects.filter(pk=order.pk).update(status_changed_at=moments[-1])
        made += 1
    return made


# --- today ------------------------------------------------------------------------


def _today(company: Company, actor: Actor, rng: random.Random, today: date) -> int:
    """Today's pool: waiting, assigned, on the way, delivered, failed and one cancelled."""
    if Order.objects.filter(company=company, external_id__startswith="demo-today-").exists():
        return 0
    water, couriers = _water(company), _couriers(company)
    now = timezone.now()
    plan = (
        ["pending"] * 8
        + ["assigned"] * 6
        + ["out"] * 5
        + ["delivered"] * 6
        + ["failed", "cancelled"]
    )
    made = 0
    for index, (customer, fate) in enumerate(
        zip(_customers(company, len(plan), rng), plan, strict=False)
    ):
        start = _today_window_start(fate, index, now, today)
        try:
            _today_order(
                company,
                customer,
                water,
                couriers[index % len(couriers)],
                fate,
                index,
                start,
                actor,
                rng,
            )
        except ValidationError:
            continue  # e.g. an empty wallet: this customer simply orders another day
        made += 1
    return made


def _today_window_start(fate: str, index: int, now: datetime, today: date) -> datetime:
    """Orders still to deliver lie ahead; those already done or given up had their window earlier."""
    if fate in ("delivered", "failed"):
        return max(day_at(today, 6), now - timedelta(hours=2, minutes=30)) + timedelta(
            minutes=20 * (index % 4)
        )
    return max(now, day_at(today, 8)) + timedelta(minutes=30 * (index % 8))


@transaction.atomic
def _today_order(
    company: Company,
    customer: Customer,
    water: Product,
    courier: StaffMember,
    fate: str,
    index: int,
    start: datetime,
    actor: Actor,
    rng: random.Random,
) -> Any:
    order = order_create(
        company=company,
        customer=customer,
        lines=[LineRequest(water, rng.choice([1, 1, 2, 3]))],
        window_start=start,
        window_end=start + timedelta(hours=2),
        channel=HISTORY_CHANNELS[index % len(HISTORY_CHANNELS)],
        external_id=f"demo-today-{index}",
        created_by=actor.user,
        notes="放门口即可" if index % 5 == 0 else "",
    )
    if fate == "pending":
        return order
    if fate == "cancelled":
        return order_cancel(order=order, reason=CancelReason.CHANGED_MIND, actor=actor)
    order = order_assign(order=order, courier=courier, actor=actor)
    if fate == "assigned":
        return order
    order = order_start_delivery(order=order, actor=actor)
    if fate == "failed":
        return order_fail(order=order, reason=FailReason.NOT_HOME, actor=actor, note="敲门无人应答")
    if fate == "delivered":
        return order_deliver(order=order, actor=actor, payments=None)
    return order


def _api_client(company: Company, world: DemoWorld) -> None:
    """The station's mini-program, pushing orders through the API; its token is shown once."""
    if ApiClient.objects.filter(company=company, name=MINI_PROGRAM).exists():
        return
    _client, token = api_client_create(
        company=company, name=MINI_PROGRAM, channel=OrderChannel.MINI_PROGRAM
    )
    world.log(f"orders: API client “{MINI_PROGRAM}”, token {token} (shown only now)")


def history_messages_sent(company: Company, today: date) -> None:
    """Messages about past days went out long ago (the demo has no sender running then)."""
    Notification.objects.filter(
        company=company, status=NotificationStatus.PENDING, order__window_start__lt=day_at(today, 0)
    ).update(status=NotificationStatus.SENT, sent_at=timezone.now(), attempts=1)


def tidy_queue(world: DemoWorld) -> None:
    """Messages about the demo's history were marked sent (or skipped): their queued sends have nothing to do."""
    dropped = queued_jobs_drop(
        "apps.orders.tasks.notification_send",
        waiting=Notification.objects.filter(status=NotificationStatus.PENDING),
    )
    world.log(f"orders: {dropped} queued sends of messages no longer waiting dropped")
