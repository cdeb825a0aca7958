"""Delivering an order: what arrived, how it was paid, and what the ledger holds afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from apps.catalog.models import (
    Category,
    ContainerType,
    Surcharge,
    SurchargeKind,
    TicketKind,
    TicketPackage,
    TicketType,
)
from apps.customers.models import Address
from apps.ledger import services as ledger
from apps.ledger.errors import LedgerError
from apps.ledger.models import Account, AccountKind, Transaction, TransactionKind
from apps.ledger.services import Method, Payment
from apps.ledger.verify import ledger_verify
from apps.orders.errors import IllegalTransition, OrderError
from apps.orders.models import Order, OrderEvent, OrderStatus, PaymentIntent
from apps.orders.pricing import LineRequest
from apps.orders.services.lifecycle import Actor, order_assign
from apps.orders.services.settlement import order_correct_delivery, order_deliver
from apps.org.models import Role
from tests.orders.conftest import OrderWorld, make_product
from tests.orders.test_lifecycle import snapshot

pytestmark = pytest.mark.django_db

K = AccountKind
WATER = 1200
BUCKET = 3000


@pytest.fixture(autouse=True)
def _book_stays_exact(ow: OrderWorld) -> Iterator[None]:
    yield
    assert ledger_verify(company=ow.company) == []


def containers_uncovered(ow: OrderWorld) -> int:
    """Containers the customer holds beyond what a deposit or a loan covers."""
    return -held(K.CONTAINERS, customer=ow.customer, container_type=ow.bucket)


def held(kind: str, **owner: Any) -> int:
    """An account's balance as people read it (0 when the account does not exist yet)."""
    account = Account.objects.filter(kind=kind, **owner).first()
    return account.display_balance if account else 0


def courier_cash(ow: OrderWorld) -> int:
    return held(K.COURIER_CASH, courier=ow.courier)


def settlements(order: Order) -> int:
    return Transaction.objects.filter(
        company_id=order.company_id, key=f"order:{order.pk}:delivery"
    ).count()


def deposit_takes(ow: OrderWorld) -> int:
    return Transaction.objects.filter(
        company=ow.company, kind=TransactionKind.DEPOSIT_TAKE, reversed_by__isnull=True
    ).count()


def courier(ow: OrderWorld) -> Actor:
    return Actor(user=ow.courier.user)


def on_the_way(ow: OrderWorld, **fields: Any) -> Order:
    return ow.out_for_delivery(ow.order(**fields))


def top_up(ow: OrderWorld, amount: int, key: str = "top-up") -> None:
    ledger.wallet_top_up(
        company=ow.company, key=key, customer=ow.customer, amount_fen=amount, method=Method.CASH
    )


def sell_tickets(
    ow: OrderWorld, key: str = "tickets", package: TicketPackage | None = None
) -> None:
    ledger.tickets_sell(
        company=ow.company,
        key=key,
        customer=ow.customer,
        package=package or ow.package,
        method=Method.CASH,
    )


# --- payment methods -------------------------------------------------------------------------


def test_cash_puts_the_goods_and_the_first_deposit_in_the_couriers_hands(ow: OrderWorld) -> None:
    order = on_the_way(ow, quantity=2)

    delivered = order_deliver(order=order, actor=courier(ow))

    delivered.refresh_from_db()
    assert delivered.status == OrderStatus.DELIVERED
    assert delivered.delivered_at is not None
    assert settlements(order) == 1
    assert delivered.settlement is not None
    assert delivered.settlement.key == f"order:{order.pk}:delivery"
    assert courier_cash(ow) == 2 * WATER + 2 * BUCKET
    assert held(K.REVENUE, company=ow.company) == 2 * WATER
    assert held(K.DEPOSITS, customer=ow.customer) == 2 * BUCKET
    assert held(K.CONTAINERS_IN_GOODS, company=ow.company, container_type=ow.bucket) == -2
    assert containers_uncovered(ow) == 0
    assert held(K.VEHICLE_STOCK, courier=ow.courier) == -2
    assert [line.delivered_quantity for line in delivered.lines.all()] == [2]


def test_a_scan_payment_lands_in_the_wechat_clearing_account(ow: OrderWorld) -> None:
    order = on_the_way(ow, quantity=2, payment_intent=PaymentIntent.SCAN)
    order_deliver(order=order, actor=courier(ow))
    assert held(K.WECHAT, company=ow.company) == 2 * WATER + 2 * BUCKET
    assert courier_cash(ow) == 0


def test_a_wallet_with_enough_pays_for_goods_and_deposit(ow: OrderWorld) -> None:
    top_up(ow, 10000)
    order = on_the_way(ow, quantity=2, payment_intent=PaymentIntent.WALLET)
    order_deliver(order=order, actor=courier(ow))
    assert held(K.WALLET, customer=ow.customer) == 10000 - 2 * WATER - 2 * BUCKET
    assert courier_cash(ow) == 0


def test_a_wallet_without_enough_refuses_clearly_and_changes_nothing(ow: OrderWorld) -> None:
    top_up(ow, 2000)
    order = on_the_way(ow, quantity=2, payment_intent=PaymentIntent.WALLET)
    before = snapshot(order)

    with translation.override("zh-hans"), pytest.raises(LedgerError) as refused:
        order_deliver(order=order, actor=courier(ow))

    message = refused.value.messages[0]
    assert "余额不足" in message and "¥20.00" in message and "¥24.00" in message
    assert snapshot(order) == before
    assert held(K.WALLET, customer=ow.customer) == 2000


def test_monthly_credit_runs_up_to_the_limit(ow: OrderWorld) -> None:
    order = on_the_way(ow, quantity=2, payment_intent=PaymentIntent.CREDIT)
    order_deliver(order=order, actor=courier(ow))
    assert held(K.RECEIVABLE, customer=ow.customer) == -2 * WATER
    # A deposit is paid, never put on credit.
    assert courier_cash(ow) == 2 * BUCKET


def test_monthly_credit_over_the_limit_is_refused_and_changes_nothing(ow: OrderWorld) -> None:
    ow.customer.credit_limit_fen = 3000
    ow.customer.save()
    order = on_the_way(ow, quantity=3, payment_intent=PaymentIntent.CREDIT)
    before = snapshot(order)

    with translation.override("zh-hans"), pytest.raises(LedgerError) as refused:
        order_deliver(order=order, actor=courier(ow))

    assert "¥30.00" in refused.value.messages[0] and "¥36.00" in refused.value.messages[0]
    assert snapshot(order) == before


def test_tickets_pay_for_the_units_they_are_valid_for(ow: OrderWorld) -> None:
    sell_tickets(ow)
    order = on_the_way(ow, quantity=2, payment_intent=PaymentIntent.TICKETS)

    order_deliver(order=order, actor=courier(ow))

    assert held(K.TICKETS, customer=ow.customer, ticket_type=ow.tickets) == 22 - 2
    assert held(K.COURIER_TICKETS, courier=ow.courier, ticket_type=ow.tickets) == 2
    # The tickets paid for the water; only the first deposit is paid in money (cash).
    assert courier_cash(ow) == 2 * BUCKET


def test_a_product_no_ticket_is_valid_for_falls_back_to_cash(ow: OrderWorld) -> None:
    sell_tickets(ow)
    cups = make_product(ow, "一次性杯子", 500, category=Category.OTHER)
    order = on_the_way(
        ow,
        lines=[LineRequest(ow.water, 2), LineRequest(cups, 3)],
        payment_intent=PaymentIntent.TICKETS,
    )

    order_deliver(order=order, actor=courier(ow))

    assert held(K.TICKETS, customer=ow.customer, ticket_type=ow.tickets) == 20
    assert courier_cash(ow) == 3 * 500 + 2 * BUCKET


def test_tickets_come_from_the_ticket_type_the_customer_holds(ow: OrderWorld) -> None:
    promo = TicketType.objects.create(company=ow.company, name="促销水票", kind=TicketKind.WATER)
    promo.products.set([ow.water])
    book = TicketPackage.objects.create(
        company=ow.company,
        ticket_type=promo,
        name="10 张",
        paid_tickets=10,
        price_fen=15000,
    )
    sell_tickets(ow, package=book)
    order = on_the_way(ow, quantity=2, payment_intent=PaymentIntent.TICKETS)

    order_deliver(order=order, actor=courier(ow))

    assert held(K.TICKETS, customer=ow.customer, ticket_type=promo) == 8


def test_too_few_tickets_are_refused_and_change_nothing(ow: OrderWorld) -> None:
    order = on_the_way(ow, quantity=2, payment_intent=PaymentIntent.TICKETS)
    before = snapshot(order)
    with pytest.raises(LedgerError):
        order_deliver(order=order, actor=courier(ow))
    assert snapshot(order) == before


def test_explicit_payments_may_mix_tickets_scan_and_cash(ow: OrderWorld) -> None:
    sell_tickets(ow)
    order = on_the_way(ow, quantity=3)

    order_deliver(
        order=order,
        actor=courier(ow),
        payments=[
            Payment(Method.TICKETS, ticket_type=ow.tickets, tickets=1),
            Payment(Method.WECHAT, 1000),
            Payment(Method.CASH, 1400),
        ],
    )

    assert held(K.TICKETS, customer=ow.customer, ticket_type=ow.tickets) == 21
    assert held(K.WECHAT, company=ow.company) == 1000
    assert courier_cash(ow) == 1400 + 3 * BUCKET


def test_payments_that_do_not_add_up_are_refused_and_change_nothing(ow: OrderWorld) -> None:
    order = on_the_way(ow, quantity=2)
    before = snapshot(order)
    with translation.override("zh-hans"), pytest.raises(LedgerError) as refused:
        order_deliver(order=order, actor=courier(ow), payments=[Payment(Method.CASH, 1000)])
    assert "¥10.00" in refused.value.messages[0] and "¥24.00" in refused.value.messages[0]
    assert snapshot(order) == before


# --- what arrived ----------------------------------------------------------------------------


def test_a_partial_delivery_charges_only_what_arrived(ow: OrderWorld) -> None:
    order = on_the_way(ow, quantity=3)
    line = order.lines.get()

    order_deliver(order=order, actor=courier(ow), delivered={line.pk: 1})

    line.refresh_from_db()
    assert line.delivered_quantity == 1
    assert courier_cash(ow) == WATER + BUCKET
    assert held(K.CONTAINERS_IN_GOODS, company=ow.company, container_type=ow.bucket) == -1
    assert containers_uncovered(ow) == 0
    assert held(K.VEHICLE_STOCK, courier=ow.courier) == -1


@pytest.mark.parametrize(
    "delivered",
    [{}, "other line", {"line": -1}],
    ids=["nothing", "unknown line", "negative"],
)
def test_a_delivery_that_makes_no_sense_is_refused_and_changes_nothing(
    ow: OrderWorld, delivered: Any
) -> None:
    order = on_the_way(ow, quantity=2)
    line = order.lines.get()
    if delivered == "other line":
        delivered = {line.pk + 1000: 1}
    elif delivered:
        delivered = {line.pk: -1}
    before = snapshot(order)
    with pytest.raises(OrderError):
        order_deliver(order=order, actor=courier(ow), delivered=delivered)
    assert snapshot(order) == before


def test_collected_empties_move_from_the_customer_to_the_courier(ow: OrderWorld) -> None:
    order_deliver(order=on_the_way(ow, quantity=2), actor=courier(ow))
    order_deliver(order=on_the_way(ow, quantity=2), actor=courier(ow), empties={ow.bucket: 1})

    # Four full buckets in, one empty back: three held, two of them under deposit.
    assert containers_uncovered(ow) == 1
    assert held(K.COURIER_EMPTIES, courier=ow.courier, container_type=ow.bucket) == 1


def test_empties_alone_settle_a_delivery_of_nothing(ow: OrderWorld) -> None:
    order_deliver(order=on_the_way(ow, quantity=2), actor=courier(ow))
    order = on_the_way(ow, quantity=1)
    line = order.lines.get()
    order_deliver(order=order, actor=courier(ow), delivered={line.pk: 0}, empties={ow.bucket: 2})
    # Both buckets are back and the deposit for them is still held: it can be paid back.
    assert containers_uncovered(ow) == -2
    assert held(K.COURIER_EMPTIES, courier=ow.courier, container_type=ow.bucket) == 2
    assert courier_cash(ow) == 2 * WATER + 2 * BUCKET


# --- deposits --------------------------------------------------------------------------------


def test_the_first_deposit_is_taken_once_for_a_customer_new_to_the_container(
    ow: OrderWorld,
) -> None:
    first = on_the_way(ow, quantity=2)
    assert first.deposit_fen == 2 * BUCKET
    order_deliver(order=first, actor=courier(ow))
    order_deliver(order=first, actor=courier(ow))

    second = ow.order(quantity=3)
    assert (second.deposit_fen, second.deposit_containers) == (0, 0)
    order_deliver(order=ow.out_for_delivery(second), actor=courier(ow))

    assert deposit_takes(ow) == 1
    assert held(K.DEPOSITS, customer=ow.customer) == 2 * BUCKET
    assert courier_cash(ow) == 5 * WATER + 2 * BUCKET


def test_two_open_orders_of_a_new_customer_take_one_deposit(ow: OrderWorld) -> None:
    first = ow.order(quantity=2)
    second = ow.order(quantity=2)
    for order in (second, first):
        order_deliver(order=ow.out_for_delivery(order), actor=courier(ow))
    assert deposit_takes(ow) == 1
    assert held(K.DEPOSITS, customer=ow.customer) == 2 * BUCKET


def test_a_customer_lent_containers_after_ordering_pays_no_deposit_at_the_door(
    ow: OrderWorld,
) -> None:
    order = on_the_way(ow, quantity=2)
    assert order.deposit_containers == 2
    ledger.containers_lend(
        company=ow.company, key="lend", customer=ow.customer, container_type=ow.bucket, quantity=2
    )
    order_deliver(order=order, actor=courier(ow))
    assert deposit_takes(ow) == 0
    assert courier_cash(ow) == 2 * WATER


def test_a_new_container_type_takes_its_own_first_deposit(ow: OrderWorld) -> None:
    cylinder = ContainerType.objects.create(company=ow.company, name="15kg 钢瓶", deposit_fen=10000)
    gas = make_product(ow, "15kg 液化气", 11000, category=Category.GAS, container_type=cylinder)
    water_order = ow.order(quantity=2)
    gas_order = ow.order(lines=[LineRequest(gas, 1)])
    assert (gas_order.deposit_fen, gas_order.deposit_containers) == (10000, 1)

    for order in (water_order, gas_order):
        order_deliver(order=ow.out_for_delivery(order), actor=courier(ow))

    assert held(K.DEPOSITS, customer=ow.customer) == 2 * BUCKET + 10000
    assert courier_cash(ow) == 2 * WATER + 2 * BUCKET + 11000 + 10000


# --- surcharges --------------------------------------------------------------------------------


def test_the_carry_up_surcharge_is_part_of_the_amount_due(ow: OrderWorld) -> None:
    Surcharge.objects.create(
        company=ow.company, name="上楼费", kind=SurchargeKind.CARRY_UP, amount_fen=100
    )
    walk_up = Address.objects.create(
        company=ow.company, customer=ow.customer, street="文二路 8 号", floor=6, has_elevator=False
    )
    order = on_the_way(ow, quantity=3, address=walk_up)
    assert order.surcharge_fen == 3 * 5 * 100
    line = order.lines.get()

    order_deliver(order=order, actor=courier(ow), delivered={line.pk: 2})

    # Two buckets carried five floors up: 2 × (12 元 + 5 元), and their first deposit.
    assert courier_cash(ow) == 2 * (WATER + 500) + 2 * BUCKET
    assert held(K.REVENUE, company=ow.company) == 2 * (WATER + 500)


# --- exactly once ------------------------------------------------------------------------------


def test_a_retried_delivery_posts_once(ow: OrderWorld) -> None:
    order = on_the_way(ow, quantity=2)
    line = order.lines.get()
    first = order_deliver(order=order, actor=courier(ow))
    again = order_deliver(order=order, actor=courier(ow), delivered={line.pk: 1})
    stale = order_deliver(order=Order.objects.get(pk=order.pk), actor=courier(ow))

    assert first.settlement_id == again.settlement_id == stale.settlement_id
    assert settlements(order) == 1
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.DELIVERED).count() == 1
    assert courier_cash(ow) == 2 * WATER + 2 * BUCKET
    line.refresh_from_db()
    assert line.delivered_quantity == 2


def test_a_delivery_refused_once_can_be_retried_and_posts_once(ow: OrderWorld) -> None:
    order = on_the_way(ow, quantity=2, payment_intent=PaymentIntent.WALLET)
    with pytest.raises(LedgerError):
        order_deliver(order=order, actor=courier(ow))
    top_up(ow, 20000)
    order_deliver(order=order, actor=courier(ow))
    order_deliver(order=order, actor=courier(ow))
    assert settlements(order) == 1
    assert held(K.WALLET, customer=ow.customer) == 20000 - 2 * WATER - 2 * BUCKET


def test_an_order_that_is_not_on_its_way_cannot_be_delivered(ow: OrderWorld) -> None:
    order = ow.order()
    before = snapshot(order)
    with pytest.raises(IllegalTransition):
        order_deliver(order=order, actor=courier(ow))
    assert snapshot(order) == before


def test_an_assigned_order_is_delivered_in_one_call(ow: OrderWorld) -> None:
    order = order_assign(order=ow.order(quantity=1), courier=ow.courier, actor=ow.dispatcher)
    order_deliver(order=order, actor=courier(ow))
    assert settlements(order) == 1
    assert courier_cash(ow) == WATER + BUCKET


# --- corrections -------------------------------------------------------------------------------


def accountant(ow: OrderWorld) -> Actor:
    return Actor(user=ow.team.users[Role.ACCOUNTANT])


def test_a_correction_reverses_the_settlement_and_posts_the_corrected_one(
    ow: OrderWorld,
) -> None:
    order = order_deliver(order=on_the_way(ow, quantity=3), actor=courier(ow))
    original = order.settlement
    assert original is not None
    line = order.lines.get()

    corrected = order_correct_delivery(
        order=order, actor=accountant(ow), reason="实际只送了两桶", delivered={line.pk: 2}
    )

    corrected.refresh_from_db()
    assert corrected.status == OrderStatus.DELIVERED
    assert corrected.settlement is not None
    assert corrected.settlement.key == f"order:{order.pk}:delivery:1"
    assert Transaction.objects.filter(reversal_of=original).count() == 1
    assert courier_cash(ow) == 2 * WATER + 3 * BUCKET
    assert held(K.REVENUE, company=ow.company) == 2 * WATER
    assert held(K.VEHICLE_STOCK, courier=ow.courier) == -2
    line.refresh_from_db()
    assert line.delivered_quantity == 2
    event = OrderEvent.objects.filter(order=order).last()
    assert event is not None
    assert (event.from_status, event.to_status, event.reason, event.note) == (
        OrderStatus.DELIVERED,
        OrderStatus.DELIVERED,
        "correction",
        "实际只送了两桶",
    )
    assert event.actor == ow.team.users[Role.ACCOUNTANT]


def test_a_second_correction_reverses_the_first(ow: OrderWorld) -> None:
    sell_tickets(ow)
    order = order_deliver(
        order=on_the_way(ow, quantity=3, payment_intent=PaymentIntent.TICKETS),
        actor=courier(ow),
    )
    line = order.lines.get()
    order_correct_delivery(
        order=order, actor=accountant(ow), reason="少送一桶", delivered={line.pk: 2}
    )
    assert held(K.TICKETS, customer=ow.customer, ticket_type=ow.tickets) == 20
    order_correct_delivery(
        order=order,
        actor=accountant(ow),
        reason="其实送了三桶，一桶付现金",
        delivered={line.pk: 3},
        payments=[
            Payment(Method.TICKETS, ticket_type=ow.tickets, tickets=2),
            Payment(Method.CASH, WATER),
        ],
    )
    order.refresh_from_db()
    assert order.settlement is not None
    assert order.settlement.key == f"order:{order.pk}:delivery:2"
    assert held(K.TICKETS, customer=ow.customer, ticket_type=ow.tickets) == 20
    assert courier_cash(ow) == WATER + 3 * BUCKET
    live = Transaction.objects.filter(
        company=ow.company, kind=TransactionKind.DELIVERY, reversed_by__isnull=True
    )
    assert [t.key for t in live] == [f"order:{order.pk}:delivery:2"]


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_correction_needs_a_reason(ow: OrderWorld, reason: str) -> None:
    order = order_deliver(order=on_the_way(ow), actor=courier(ow))
    line = order.lines.get()
    before = snapshot(order)
    with pytest.raises(OrderError):
        order_correct_delivery(
            order=order, actor=accountant(ow), reason=reason, delivered={line.pk: 1}
        )
    assert snapshot(order) == before


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.OUT_FOR_DELIVERY])
def test_only_a_delivered_order_can_be_corrected(ow: OrderWorld, status: str) -> None:
    order = ow.order() if status == OrderStatus.PENDING else on_the_way(ow)
    line = order.lines.get()
    before = snapshot(order)
    with pytest.raises(OrderError):
        order_correct_delivery(
            order=order, actor=accountant(ow), reason="错了", delivered={line.pk: 1}
        )
    assert snapshot(order) == before


def test_a_correction_the_ledger_refuses_changes_nothing(ow: OrderWorld) -> None:
    order = order_deliver(order=on_the_way(ow, quantity=2), actor=courier(ow))
    line = order.lines.get()
    before = snapshot(order)
    with pytest.raises(LedgerError):
        order_correct_delivery(
            order=order,
            actor=accountant(ow),
            reason="改成水票",
            delivered={line.pk: 2},
            payments=[Payment(Method.TICKETS, ticket_type=ow.tickets, tickets=2)],
        )
    assert snapshot(order) == before


# --- cost --------------------------------------------------------------------------------------


def test_delivering_costs_a_fixed_number_of_queries(
    ow: OrderWorld, django_assert_max_num_queries: Any
) -> None:
    cups = make_product(ow, "杯子", 500, category=Category.OTHER)
    both = [LineRequest(ow.water, 1), LineRequest(cups, 1)]
    # Once the customer's and the courier's accounts exist, every stop costs the same.
    order_deliver(order=on_the_way(ow, lines=both), actor=courier(ow), empties={ow.bucket: 1})
    small = on_the_way(ow, quantity=2)
    large = on_the_way(ow, lines=[LineRequest(ow.water, 3), LineRequest(cups, 4)])
    with django_assert_max_num_queries(29):
        order_deliver(order=small, actor=courier(ow), empties={ow.bucket: 1})
    with django_assert_max_num_queries(29):
        order_deliver(order=large, actor=courier(ow), empties={ow.bucket: 1})
