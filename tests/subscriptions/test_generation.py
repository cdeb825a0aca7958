from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command

from apps.ledger.models import Account, AccountKind
from apps.ledger.services import Method
from apps.orders.models import Notification, Order, OrderStatus, PaymentIntent
from apps.orders.services.lifecycle import Actor, order_assign, order_fail, order_start_delivery
from apps.orders.services.settlement import order_deliver
from apps.subscriptions.models import (
    PauseReason,
    SubscriptionSettings,
    SubscriptionStatus,
    TermKind,
)
from apps.subscriptions.schedule import ChangeKind
from apps.subscriptions.services.calendar import Who, calendar_change
from apps.subscriptions.services.generation import deliveries_generate
from tests.subscriptions.conftest import Dairy, make_plan, tomorrow

pytestmark = pytest.mark.django_db


def card_balance(dairy: Dairy) -> int:
    account = Account.objects.get(
        company=dairy.company,
        kind=AccountKind.TICKETS,
        customer=dairy.customer,
        ticket_type=dairy.card.ticket_type,
    )
    return account.display_balance


def deliver(dairy: Dairy, order: Order) -> Order:
    actor = Actor(user=dairy.dispatcher)
    order = order_assign(order=order, courier=dairy.courier, actor=actor)
    order = order_start_delivery(order=order, actor=actor)
    return order_deliver(order=order, actor=actor)


def test_selling_a_card_puts_its_deliveries_on_the_customer_balance(dairy: Dairy) -> None:
    dairy.sell()
    assert card_balance(dairy) == 30


def test_generation_makes_one_priced_order_per_due_subscription(dairy: Dairy) -> None:
    subscription = dairy.sell(quantity=2)
    result = deliveries_generate(company=dairy.company, day=tomorrow())
    assert result.created == 1
    order = Order.objects.get()
    assert order.external_id == f"{subscription.pk}:{tomorrow().isoformat()}"
    assert order.payment_intent == PaymentIntent.TICKETS
    assert order.depot_id == dairy.address.depot_id
    assert [(line.product, line.quantity, line.unit_price_fen) for line in order.lines.all()] == [
        (dairy.milk, 2, 450)
    ]
    assert order.total_fen == 900
    assert order.events.get().to_status == OrderStatus.PENDING


def test_running_generation_again_creates_nothing(dairy: Dairy) -> None:
    dairy.sell()
    deliveries_generate(company=dairy.company, day=tomorrow())
    again = deliveries_generate(company=dairy.company, day=tomorrow())
    assert (again.created, again.existing) == (0, 1)
    assert Order.objects.count() == 1


def test_the_command_generates_a_day(dairy: Dairy) -> None:
    dairy.sell()
    call_command(
        "generate_deliveries", "--date", tomorrow().isoformat(), "--company", str(dairy.company.pk)
    )
    assert Order.objects.filter(company=dairy.company).count() == 1


def test_a_skipped_day_gets_no_order_and_a_skip_after_generation_cancels_it(dairy: Dairy) -> None:
    subscription = dairy.sell()
    day_after = tomorrow() + timedelta(days=1)
    calendar_change(
        subscription=subscription, kind=ChangeKind.SKIP, day=day_after, who=Who(dairy.dispatcher)
    )
    assert deliveries_generate(company=dairy.company, day=day_after).created == 0
    deliveries_generate(company=dairy.company, day=tomorrow())
    calendar_change(
        subscription=subscription, kind=ChangeKind.SKIP, day=tomorrow(), who=Who(dairy.dispatcher)
    )
    assert Order.objects.get().status == OrderStatus.CANCELLED


def test_a_quantity_change_after_generation_updates_the_order(dairy: Dairy) -> None:
    subscription = dairy.sell()
    deliveries_generate(company=dairy.company, day=tomorrow())
    calendar_change(
        subscription=subscription,
        kind=ChangeKind.SWAP,
        day=tomorrow(),
        product=dairy.yoghurt,
        who=Who(dairy.dispatcher),
    )
    order = Order.objects.get()
    assert [(line.product, line.quantity) for line in order.lines.all()] == [(dairy.yoghurt, 1)]
    assert order.total_fen == 450


def test_the_card_runs_out_after_exactly_its_deliveries_plus_make_ups(
    dairy: Dairy, django_capture_on_commit_callbacks: Any
) -> None:
    SubscriptionSettings.objects.create(company=dairy.company, not_home_rule="make_up")
    subscription = dairy.sell()
    actor = Actor(user=dairy.dispatcher)
    units = []
    for offset in range(40):
        day = tomorrow() + timedelta(days=offset)
        deliveries_generate(company=dairy.company, day=day)
        order = Order.objects.filter(external_id=f"{subscription.pk}:{day.isoformat()}").first()
        if order is None:
            continue
        with django_capture_on_commit_callbacks(execute=True):
            if offset == 3:
                order = order_assign(order=order, courier=dairy.courier, actor=actor)
                order = order_start_delivery(order=order, actor=actor)
                order_fail(order=order, reason="not_home", actor=actor)
                continue
            units.append(sum(line.quantity for line in deliver(dairy, order).lines.all()))
    assert sum(units) == 30
    assert units.count(2) == 1  # the make-up came with the next day's bottle
    assert card_balance(dairy) == 0
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAUSED
    assert subscription.pause_reason == PauseReason.BALANCE
    events = set(
        Notification.objects.filter(customer=dairy.customer).values_list("event", flat=True)
    )
    assert {"renewal", "low_balance", "make_up"} <= events


def test_a_short_wallet_gives_a_reminder_and_a_pause_instead_of_an_order(dairy: Dairy) -> None:
    plan = make_plan(
        dairy.company, [(dairy.ow.water, 2)], term=TermKind.PREPAID, term_days=7, price_fen=2000
    )
    subscription = dairy.sell(plan=plan, method=Method.CASH)
    Account.objects.filter(kind=AccountKind.WALLET, customer=dairy.customer).update(balance=0)
    result = deliveries_generate(company=dairy.company, day=tomorrow())
    assert (result.created, result.short) == (0, [subscription.pk])
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAUSED
    assert Notification.objects.get(customer=dairy.customer).event == "low_balance"
