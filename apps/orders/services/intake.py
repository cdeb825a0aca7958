"""Taking orders: every channel ends in ``order_create``."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.rows import ModelInsert, ModelUpdate
from apps.customers.models import Address, Customer, CustomerStatus
from apps.orders.errors import DuplicateExternalOrder, OrderError
from apps.orders.models import (
    NotificationEvent,
    Order,
    OrderChannel,
    OrderEvent,
    OrderLine,
    OrderSettings,
    OrderStatus,
    PaymentIntent,
)
from apps.orders.pricing import LineRequest, Quote, order_quote
from apps.orders.selectors import hold_prefetched
from apps.orders.services.lifecycle import after_commit_status_changed
from apps.orders.services.notifications import notifications_enqueue
from apps.org.models import Company, Depot

# Every order writes these rows: their statements are built once.
ORDER_INSERT = ModelInsert(Order)
EVENT_INSERT = ModelInsert(OrderEvent)
# The customer's last order only moves forward (an order taken at an earlier time leaves it).
LAST_ORDER_UPDATE = ModelUpdate(
    Customer,
    ["last_order_at"],
    'AND ("last_order_at" IS NULL OR "last_order_at" < %s)',
    condition_fields=["last_order_at"],
)


def _check_customer(company: Company, customer: Customer) -> None:
    if customer.company_id != company.pk:
        raise OrderError(_("This customer belongs to another company."))
    if customer.status == CustomerStatus.BLOCKED:
        raise OrderError(
            _("%(customer)s is blocked: %(reason)s")
            % {"customer": customer.name, "reason": customer.blocked_reason}
        )


def _address_for(customer: Customer, address: Address | None) -> Address:
    if address is None:
        address = customer.default_address
        if address is None:
            raise OrderError(_("%(customer)s has no address yet.") % {"customer": customer.name})
    if address.customer_id != customer.pk:
        raise OrderError(_("This address belongs to another customer."))
    return address


def check_lines(company: Company, lines: Sequence[LineRequest]) -> None:
    if not lines:
        raise OrderError(_("An order needs at least one product."))
    seen: set[int] = set()
    for line in lines:
        if line.product.company_id != company.pk:
            raise OrderError(_("This product belongs to another company."))
        if not line.product.is_active:
            raise OrderError(_("%(product)s is no longer sold.") % {"product": line.product})
        if line.quantity <= 0:
            raise OrderError(
                _("The quantity of %(product)s must be at least 1.") % {"product": line.product}
            )
        if line.product.pk in seen:
            raise OrderError(_("%(product)s appears twice.") % {"product": line.product})
        seen.add(line.product.pk)


def lines_write(order: Order, quote: Quote) -> list[OrderLine]:
    """The order's lines as quoted (its earlier lines, if any, must be gone already)."""
    rows = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=line.product,
            quantity=line.quantity,
            unit_price_fen=line.unit_price_fen,
            surcharge_fen=line.surcharge_fen,
        )
        for line in quote.lines
    )
    hold_prefetched(order, "lines", rows)
    return rows


def _check_window(start: datetime, end: datetime, now: datetime) -> None:
    if end <= start:
        raise OrderError(_("The delivery window must end after it starts."))
    if end <= now:
        raise OrderError(_("The delivery window has already passed."))


def _existing_external(company: Company, channel: str, external_id: str) -> Order | None:
    if not external_id:
        return None
    return Order.objects.filter(company=company, channel=channel, external_id=external_id).first()


def _duplicate(order: Order) -> DuplicateExternalOrder:
    return DuplicateExternalOrder(
        _("Order %(external_id)s from this channel is already in the pool as %(number)s.")
        % {"external_id": order.external_id, "number": order.number},
        order=order,
    )


def order_create(
    *,
    company: Company,
    customer: Customer,
    lines: Sequence[LineRequest],
    window_start: datetime,
    window_end: datetime,
    address: Address | None = None,
    channel: str = OrderChannel.PHONE,
    payment_intent: str = "cash",
    notes: str = "",
    external_id: str = "",
    api_client: Any = None,
    depot: Depot | None = None,
    created_by: Any = None,
    actor_label: str = "",
    taken_at: datetime | None = None,
    order_settings: OrderSettings | None = None,
) -> Order:
    """Put a new order in the pool, priced from the catalogue.

    ``taken_at`` is when the order was taken (defaults to now; the demo history
    passes earlier moments). An order whose (channel, external id) is already in
    the pool raises :class:`DuplicateExternalOrder` carrying the existing order.
    The order comes back with its lines (and their products) at hand, as if prefetched.
    ``order_settings``: the company's, when the caller has read them already.

    Everything is checked before the first write, and the writes are one atomic
    block. Nested in a caller's transaction, that block takes a savepoint only
    for an order with an external id (callers catch :class:`DuplicateExternalOrder`
    and carry on); any other failure rolls back the caller's transaction.
    """
    now = taken_at or timezone.now()
    external_id = external_id.strip()
    _check_customer(company, customer)
    address = _address_for(customer, address)
    check_lines(company, lines)
    _check_window(window_start, window_end, now)
    if channel not in OrderChannel.values:
        raise OrderError(_("Unknown channel: %(channel)s") % {"channel": channel})
    if payment_intent not in PaymentIntent.values:
        raise OrderError(_("Unknown payment: %(payment)s") % {"payment": payment_intent})
    existing = _existing_external(company, channel, external_id)
    if existing is not None:
        raise _duplicate(existing)
    quote = order_quote(customer=customer, address=address, lines=lines, on=timezone.localdate(now))
    order = Order(
        company=company,
        customer=customer,
        address=address,
        depot_id=depot.pk if depot else address.depot_id,
        channel=channel,
        external_id=external_id,
        api_client=api_client,
        window_start=window_start,
        window_end=window_end,
        payment_intent=payment_intent,
        notes=notes.strip(),
        goods_fen=quote.goods_fen,
        surcharge_fen=quote.surcharge_fen,
        deposit_fen=quote.deposit_fen,
        deposit_containers=quote.deposit_containers,
        total_fen=quote.total_fen,
        created_by=created_by,
        status_changed_at=now,
    )
    # Lengths and choices only: the related rows were checked above, the window's order
    # by _check_window, and the database enforces the unique order number (see below).
    try:
        order.clean_fields(exclude=[f.name for f in Order._meta.fields if f.is_relation])
    except ValidationError as error:
        raise OrderError(error.error_dict) from None
    with transaction.atomic(savepoint=bool(external_id)):
        _order_write(
            order,
            quote,
            now=now,
            taken_at=taken_at,
            actor_label=actor_label,
            order_settings=order_settings,
        )
    return order


def _order_insert(order: Order) -> None:
    try:
        # Only an external id taken meanwhile is answered (with that order); the savepoint
        # keeps the transaction usable for the answer. Any other failure rolls back anyway.
        with transaction.atomic() if order.external_id else nullcontext():
            ORDER_INSERT.save(order)
    except IntegrityError:
        existing = _existing_external(order.company, order.channel, order.external_id)
        if existing is None:
            raise
        raise _duplicate(existing) from None


def _order_write(
    order: Order,
    quote: Quote,
    *,
    now: datetime,
    taken_at: datetime | None,
    actor_label: str,
    order_settings: OrderSettings | None,
) -> None:
    """The new order's row, lines, first event, the customer's last order time and message."""
    company, customer, created_by = order.company, order.customer, order.created_by
    _order_insert(order)
    if taken_at is not None:
        Order.objects.filter(pk=order.pk).update(created_at=taken_at)
    lines_write(order, quote)
    event = EVENT_INSERT.create(
        company=company,
        order=order,
        at=now,
        actor=created_by,
        actor_label=actor_label,
        to_status=OrderStatus.PENDING,
        note=order.get_channel_display(),
    )
    LAST_ORDER_UPDATE.run(customer.pk, [now], [now])
    notifications_enqueue(
        order=order,
        event=NotificationEvent.RECEIVED,
        order_event=event,
        new_event=True,
        order_settings=order_settings,
    )
    after_commit_status_changed(order, "", OrderStatus.PENDING)
