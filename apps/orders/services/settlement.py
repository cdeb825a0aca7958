"""Delivering an order: what actually arrived, what was paid, which empties came back.

Settlement posts to the ledger in the order's own transaction, under a business
key derived from the order, so a retried "delivered" never posts twice. A
delivered order is corrected (owner or accountant) by reversing the posted
settlement and posting the corrected one, with the reason in the event log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.catalog.models import ContainerType, TicketType
from apps.ledger.models import Account, AccountKind
from apps.ledger.services import (
    Line,
    Method,
    Payment,
    delivery_settle,
    deposit_take,
    transaction_reverse,
)
from apps.orders.errors import OrderError
from apps.orders.models import Order, OrderEvent, OrderLine, OrderStatus, PaymentIntent
from apps.orders.pricing import containers_covered
from apps.orders.services.lifecycle import (
    Actor,
    Location,
    _move,
    action_time,
    illegal,
    order_lock,
)

INTENT_METHOD = {
    PaymentIntent.CASH: Method.CASH,
    PaymentIntent.SCAN: Method.WECHAT,
    PaymentIntent.WALLET: Method.WALLET,
    PaymentIntent.CREDIT: Method.CREDIT,
    # A platform pays out to the company's bank account.
    PaymentIntent.PAID_ONLINE: Method.BANK,
}


def _delivered_quantities(
    lines: Sequence[OrderLine], delivered: Mapping[int, int] | None
) -> dict[int, int]:
    if delivered is None:
        return {line.pk: line.quantity for line in lines}
    unknown = set(delivered) - {line.pk for line in lines}
    if unknown:
        raise OrderError(_("These lines are not part of the order."))
    quantities = {line.pk: int(delivered.get(line.pk, 0)) for line in lines}
    if any(quantity < 0 for quantity in quantities.values()):
        raise OrderError(_("A delivered quantity cannot be negative."))
    return quantities


def ledger_lines(lines: Sequence[OrderLine], quantities: Mapping[int, int]) -> list[Line]:
    """Delivered units at the order's unit price, the carry-up surcharge spread per unit."""
    result = []
    for line in lines:
        quantity = quantities[line.pk]
        if quantity:
            per_unit_surcharge = line.surcharge_fen // line.quantity
            result.append(Line(line.product, quantity, line.unit_price_fen + per_unit_surcharge))
    return result


def amount_due_fen(lines: Sequence[Line]) -> int:
    return sum(line.quantity * line.price_fen for line in lines)


def _ticket_type_for(order: Order, line: Line) -> TicketType | None:
    """A ticket type valid for the line's product; the one the customer holds enough of first."""
    types = list(
        TicketType.objects.filter(company_id=order.company_id, products=line.product).order_by("pk")
    )
    if len(types) <= 1:
        return types[0] if types else None
    held = {
        account.ticket_type_id: account.display_balance
        for account in Account.objects.filter(
            company_id=order.company_id,
            customer_id=order.customer_id,
            kind=AccountKind.TICKETS,
            ticket_type__in=types,
        )
    }
    enough = [t for t in types if held.get(t.pk, 0) >= line.quantity]
    return enough[0] if enough else max(types, key=lambda t: held.get(t.pk, 0))


def default_payments(order: Order, lines: Sequence[Line]) -> list[Payment]:
    """What the order said it would pay with, for the whole amount due."""
    due = amount_due_fen(lines)
    if order.payment_intent == PaymentIntent.TICKETS:
        payments = []
        for line in lines:
            ticket_type = _ticket_type_for(order, line)
            if ticket_type is None:
                due_for_line = line.quantity * line.price_fen
                payments.append(Payment(Method.CASH, due_for_line))
            else:
                payments.append(
                    Payment(Method.TICKETS, ticket_type=ticket_type, tickets=line.quantity)
                )
        return _merge_cash(payments)
    return [Payment(INTENT_METHOD[PaymentIntent(order.payment_intent)], due)] if due else []


def _merge_cash(payments: list[Payment]) -> list[Payment]:
    cash = sum(p.amount_fen for p in payments if p.method == Method.CASH)
    others = [p for p in payments if p.method != Method.CASH]
    return [*others, Payment(Method.CASH, cash)] if cash else others


def _deposit_method(order: Order) -> str:
    method = INTENT_METHOD.get(PaymentIntent(order.payment_intent), Method.CASH)
    return Method.CASH if method in (Method.CREDIT, Method.TICKETS) else method


def deposit_cash_fen(order: Order) -> int:
    """The deposit the courier collects in cash at the door (a new customer's first containers)."""
    return order.deposit_fen if _deposit_method(order) == Method.CASH else 0


def _containers_known(order: Order, lines: Sequence[OrderLine]) -> set[int]:
    """Container types a deposit or a loan already covers for the customer."""
    if not order.deposit_containers:
        return set()
    ids = {line.product.container_type_id for line in lines if line.product.container_type_id}
    return containers_covered(customer=order.customer, container_type_ids=ids) if ids else set()


def _take_deposits(
    order: Order, lines: Sequence[Line], courier: Any, user: Any, known: set[int]
) -> None:
    """The first deposit, for the units delivered, unless the customer's containers are covered."""
    left = order.deposit_containers
    per_container: dict[ContainerType, int] = {}
    for line in lines:
        container = line.product.container_type
        if left and container is not None and container.deposit_fen > 0:
            if container.pk in known:
                continue
            count = min(left, line.quantity)
            per_container[container] = per_container.get(container, 0) + count
            left -= count
    for container, count in per_container.items():
        deposit_take(
            company=order.company,
            key=f"order:{order.pk}:deposit:{container.pk}",
            customer=order.customer,
            container_type=container,
            quantity=count,
            method=_deposit_method(order),
            courier=courier,
            created_by=user,
        )


def _settle(
    order: Order,
    *,
    key: str,
    quantities: Mapping[int, int],
    lines: Sequence[OrderLine],
    payments: Sequence[Payment] | None,
    empties: Mapping[ContainerType, int] | None,
    user: Any,
    occurred_at: datetime | None = None,
) -> Any:
    settled = ledger_lines(lines, quantities)
    if order.courier is None:
        raise OrderError(_("Assign a courier before recording the delivery."))
    if not settled and not any((empties or {}).values()):
        raise OrderError(_("Nothing was delivered; report the delivery as failed instead."))
    return delivery_settle(
        company=order.company,
        key=key,
        customer=order.customer,
        courier=order.courier,
        lines=settled,
        payments=default_payments(order, settled) if payments is None else payments,
        empties=empties,
        description=_("Order %(number)s") % {"number": order.number},
        created_by=user,
        occurred_at=occurred_at,
    )


def _record_quantities(lines: Sequence[OrderLine], quantities: Mapping[int, int]) -> None:
    for line in lines:
        line.delivered_quantity = quantities[line.pk]
    OrderLine.objects.bulk_update(lines, ["delivered_quantity"])


@transaction.atomic
def order_deliver(
    *,
    order: Order,
    actor: Actor,
    delivered: Mapping[int, int] | None = None,
    payments: Sequence[Payment] | None = None,
    empties: Mapping[ContainerType, int] | None = None,
    proof: Mapping[str, Any] | None = None,
    location: Location | None = None,
    note: str = "",
) -> Order:
    """Record the delivery and settle it; a repeated call returns the delivered order unchanged.

    ``delivered`` maps order line ids to the units that actually arrived (all of
    them when omitted); ``payments`` default to the order's payment intent.
    """
    locked = order_lock(order)
    if locked.status == OrderStatus.DELIVERED and locked.settlement_id:
        return locked
    if locked.status == OrderStatus.ASSIGNED:
        locked = _move(
            locked, OrderStatus.OUT_FOR_DELIVERY, actor=actor, location=location, locked=True
        )
    if locked.status != OrderStatus.OUT_FOR_DELIVERY:
        raise illegal(locked, OrderStatus.DELIVERED)
    lines = list(locked.lines.select_related("product__container_type"))
    quantities = _delivered_quantities(lines, delivered)
    known = _containers_known(locked, lines)
    delivered_at = action_time(location, timezone.now())
    settlement = _settle(
        locked,
        key=f"order:{locked.pk}:delivery",
        quantities=quantities,
        lines=lines,
        payments=payments,
        empties=empties,
        user=actor.user,
        occurred_at=delivered_at,
    )
    _take_deposits(locked, ledger_lines(lines, quantities), locked.courier, actor.user, known)
    _record_quantities(lines, quantities)
    return _move(
        locked,
        OrderStatus.DELIVERED,
        actor=actor,
        note=note,
        location=location,
        locked=True,
        settlement=settlement,
        delivered_at=delivered_at,
        proof=dict(proof or {}),
    )


@transaction.atomic
def order_correct_delivery(
    *,
    order: Order,
    actor: Actor,
    reason: str,
    delivered: Mapping[int, int],
    payments: Sequence[Payment] | None = None,
    empties: Mapping[ContainerType, int] | None = None,
) -> Order:
    """Reverse a delivered order's settlement and post the corrected one (owner or accountant)."""
    if not reason.strip():
        raise OrderError(_("Say why the delivery is corrected."))
    locked = order_lock(order)
    if locked.status != OrderStatus.DELIVERED or locked.settlement is None:
        raise OrderError(_("Only a delivered order can be corrected."))
    corrections = locked.events.filter(
        from_status=OrderStatus.DELIVERED, to_status=OrderStatus.DELIVERED
    ).count()
    transaction_reverse(
        company=locked.company, txn=locked.settlement, reason=reason, created_by=actor.user
    )
    lines = list(locked.lines.select_related("product__container_type"))
    quantities = _delivered_quantities(lines, delivered)
    locked.settlement = _settle(
        locked,
        key=f"order:{locked.pk}:delivery:{corrections + 1}",
        quantities=quantities,
        lines=lines,
        payments=payments,
        empties=empties,
        user=actor.user,
    )
    locked.save(update_fields=["settlement"])
    _record_quantities(lines, quantities)
    OrderEvent.objects.create(
        company_id=locked.company_id,
        order=locked,
        actor=actor.user,
        actor_label=actor.label,
        from_status=OrderStatus.DELIVERED,
        to_status=OrderStatus.DELIVERED,
        reason="correction",
        note=reason.strip()[:300],
        courier=locked.courier,
    )
    return locked
