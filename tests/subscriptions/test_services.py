from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from apps.ledger.models import Account, AccountKind, Transaction
from apps.ledger.services import Method
from apps.ledger.verify import ledger_verify
from apps.orders.errors import OrderError
from apps.orders.models import Notification, Order, OrderStatus
from apps.orders.pricing import LineRequest
from apps.orders.services.amend import order_lines_change
from apps.orders.services.bulk import BulkLine, BulkOrder, orders_bulk_create
from apps.orders.services.lifecycle import Actor, order_assign, order_fail, order_start_delivery
from apps.subscriptions.errors import SubscriptionError
from apps.subscriptions.models import (
    CalendarChange,
    PauseReason,
    SkipRule,
    Subscription,
    SubscriptionStatus,
    TermKind,
)
from apps.subscriptions.schedule import ChangeKind
from apps.subscriptions.selectors import calendar_of, deliveries_left, ending_soon
from apps.subscriptions.services.calendar import (
    Who,
    calendar_change,
    company_pause,
    first_changeable_day,
)
from apps.subscriptions.services.ending import ranges_end
from apps.subscriptions.services.generation import deliveries_generate
from apps.subscriptions.services.selling import subscription_renew, subscription_sell
from tests.subscriptions.conftest import Dairy, make_plan, tomorrow
from tests.subscriptions.test_generation import card_balance, deliver

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("utc", "first"),
    [
        (datetime(2027, 2, 28, 11, 59, tzinfo=ZoneInfo("UTC")), date(2027, 3, 1)),  # 19:59 there
        (datetime(2027, 2, 28, 12, 0, tzinfo=ZoneInfo("UTC")), date(2027, 3, 2)),  # 20:00 there
        (
            datetime(2028, 2, 28, 17, 0, tzinfo=ZoneInfo("UTC")),
            date(2028, 3, 1),
        ),  # 01:00 on the 29th
    ],
)
def test_the_cutoff_is_twenty_hours_in_shanghai(dairy: Dairy, utc: datetime, first: date) -> None:
    assert first_changeable_day(dairy.company, now=utc) == first


def test_a_change_after_the_cutoff_changes_nothing(dairy: Dairy) -> None:
    subscription = dairy.sell()
    evening = datetime.combine(timezone.localdate(), time(20, 30), tzinfo=SHANGHAI)
    with (
        time_machine.travel(evening),
        pytest.raises(SubscriptionError, match="已不能修改"),
    ):
        calendar_change(subscription=subscription, kind=ChangeKind.SKIP, day=tomorrow(), who=Who())
    assert not CalendarChange.objects.exists()


def test_bad_input_is_refused_with_a_clear_message(dairy: Dairy) -> None:
    subscription = dairy.sell()
    day = tomorrow()
    with pytest.raises(SubscriptionError, match="结束日期不能早于开始日期"):
        calendar_change(
            subscription=subscription,
            kind=ChangeKind.PAUSE,
            day=day + timedelta(days=3),
            until=day,
            who=Who(),
        )
    with pytest.raises(SubscriptionError, match="本来就要配送"):
        calendar_change(subscription=subscription, kind=ChangeKind.EXTRA, day=day, who=Who())
    with pytest.raises(SubscriptionError, match="请选择改送的商品"):
        calendar_change(subscription=subscription, kind=ChangeKind.SWAP, day=day, who=Who())
    assert not CalendarChange.objects.exists()


def test_a_company_pause_stops_every_subscription_for_the_holiday(dairy: Dairy) -> None:
    first, second = dairy.sell(), dairy.sell(quantity=2)
    start = tomorrow() + timedelta(days=3)
    assert (
        company_pause(company=dairy.company, day=start, until=start + timedelta(days=6), who=Who())
        == 2
    )
    for subscription in (first, second):
        days = calendar_of(subscription, start - timedelta(days=1), start + timedelta(days=7))
        assert sorted(days) == [start - timedelta(days=1), start + timedelta(days=7)]


def test_a_postponed_delivery_of_a_prepaid_range_comes_after_its_end(dairy: Dairy) -> None:
    plan = make_plan(
        dairy.company, [(dairy.milk, 1)], term=TermKind.PREPAID, term_days=5, price_fen=500
    )
    subscription = dairy.sell(plan=plan)
    assert subscription.end_date == tomorrow() + timedelta(days=4)
    calendar_change(
        subscription=subscription,
        kind=ChangeKind.POSTPONE,
        day=tomorrow() + timedelta(days=1),
        who=Who(),
    )
    days = calendar_of(subscription, tomorrow(), tomorrow() + timedelta(days=10))
    assert len(days) == 5
    assert max(days) == tomorrow() + timedelta(days=5)


def test_a_prepaid_range_ends_once_its_postponed_delivery_is_past(dairy: Dairy) -> None:
    plan = make_plan(
        dairy.company, [(dairy.milk, 1)], term=TermKind.PREPAID, term_days=5, price_fen=500
    )
    subscription = dairy.sell(plan=plan)
    calendar_change(
        subscription=subscription,
        kind=ChangeKind.POSTPONE,
        day=tomorrow() + timedelta(days=1),
        who=Who(),
    )
    last = tomorrow() + timedelta(days=5)  # the postponed delivery, a day after the range
    with time_machine.travel(datetime.combine(last, time(12), tzinfo=SHANGHAI)):
        assert ranges_end(company=dairy.company, today=last) == 0
    with time_machine.travel(datetime.combine(last + timedelta(days=1), time(12), tzinfo=SHANGHAI)):
        assert ranges_end(company=dairy.company, today=last + timedelta(days=1)) == 1
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ENDED and subscription.ended_at is not None


def test_selling_a_prepaid_range_tops_up_the_wallet_for_its_deliveries(dairy: Dairy) -> None:
    plan = make_plan(
        dairy.company, [(dairy.milk, 2)], term=TermKind.PREPAID, term_days=7, price_fen=500
    )
    dairy.sell(plan=plan)
    wallet = Account.objects.get(kind=AccountKind.WALLET, customer=dairy.customer)
    assert wallet.display_balance == 7 * 2 * 500


def test_deductions_and_credits_keep_the_books_exact(
    dairy: Dairy, django_capture_on_commit_callbacks: Any
) -> None:
    plan = make_plan(
        dairy.company,
        [(dairy.milk, 1)],
        term=TermKind.CARD,
        deliveries=30,
        ticket_package=dairy.card,
        price_fen=450,
        skip_rule=SkipRule.CREDIT,
    )
    subscription = dairy.sell(plan=plan, quantity=2)
    assert card_balance(dairy) == 60
    actor = Actor(user=dairy.dispatcher)
    deliveries_generate(company=dairy.company, day=tomorrow())
    deliver(dairy, Order.objects.get())
    deliveries_generate(company=dairy.company, day=tomorrow() + timedelta(days=1))
    order = Order.objects.get(status=OrderStatus.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_start_delivery(
            order=order_assign(order=order, courier=dairy.courier, actor=actor), actor=actor
        )
        order_fail(order=order, reason="damaged", actor=actor)
    assert card_balance(dairy) == 58  # one delivery of two bottles; the failed one cost nothing
    assert deliveries_left(subscription) == 29
    assert Notification.objects.get(customer=dairy.customer, event="credited")
    assert not CalendarChange.objects.filter(kind=ChangeKind.MAKE_UP).exists()
    assert ledger_verify(company=dairy.company) == []


def test_renewing_a_card_adds_its_tickets_and_ends_a_balance_pause(dairy: Dairy) -> None:
    subscription = dairy.sell()
    Subscription.objects.filter(pk=subscription.pk).update(
        status=SubscriptionStatus.PAUSED, pause_reason=PauseReason.BALANCE, paused_at=timezone.now()
    )
    subscription_renew(subscription=subscription, method=Method.WECHAT)
    subscription.refresh_from_db()
    assert card_balance(dairy) == 60
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert Transaction.objects.filter(key=f"subscription:{subscription.pk}:sale:2").exists()


def test_a_nearly_used_card_is_listed_as_ending_soon(dairy: Dairy) -> None:
    subscription = dairy.sell()
    from apps.ledger.services import tickets_redeem

    tickets_redeem(
        company=dairy.company,
        key="used",
        customer=dairy.customer,
        ticket_type=dairy.card.ticket_type,
        quantity=28,
    )
    assert [(e.subscription, e.left) for e in ending_soon(dairy.company, within_days=3)] == [
        (subscription, 2)
    ]


def test_a_subscription_cannot_start_in_the_past(dairy: Dairy) -> None:
    with pytest.raises(SubscriptionError):
        subscription_sell(
            company=dairy.company,
            customer=dairy.customer,
            plan=dairy.plan,
            start_date=tomorrow() - timedelta(days=2),
        )
    assert not Subscription.objects.exists()


def test_an_order_amended_on_the_way_is_repriced_and_logged(dairy: Dairy) -> None:
    order = dairy.ow.out_for_delivery()
    amended = order_lines_change(
        order=order, lines=[LineRequest(dairy.milk, 3, 500)], actor=Actor(user=dairy.dispatcher)
    )
    assert [(line.product, line.quantity) for line in amended.lines.all()] == [(dairy.milk, 3)]
    assert amended.goods_fen == 1500
    assert amended.events.last().reason == "lines"


def test_a_delivered_order_can_no_longer_be_amended(dairy: Dairy) -> None:
    order = dairy.ow.out_for_delivery()
    from apps.orders.services.settlement import order_deliver

    order_deliver(order=order, actor=Actor(user=dairy.dispatcher))
    with pytest.raises(OrderError):
        order_lines_change(order=order, lines=[LineRequest(dairy.milk, 1)], actor=Actor())


def test_bulk_creation_leaves_orders_already_in_the_pool_alone(dairy: Dairy) -> None:
    start = timezone.now() + timedelta(hours=1)
    draft = BulkOrder(
        customer_id=dairy.customer.pk,
        address_id=dairy.address.pk,
        depot_id=None,
        external_id="x:1",
        window_start=start,
        window_end=start + timedelta(hours=1),
        payment_intent="cash",
        lines=(BulkLine(dairy.milk.pk, 2, 450),),
    )
    first = orders_bulk_create(company=dairy.company, orders=[draft])
    again = orders_bulk_create(company=dairy.company, orders=[draft])
    assert (len(first), again) == (1, [])
    order = Order.objects.get()
    assert (order.total_fen, order.events.count()) == (900, 1)


def test_a_company_pause_cancels_orders_already_generated(dairy: Dairy) -> None:
    dairy.sell()
    deliveries_generate(company=dairy.company, day=tomorrow())
    company_pause(
        company=dairy.company, day=tomorrow(), until=tomorrow() + timedelta(days=2), who=Who()
    )
    assert Order.objects.get().status == OrderStatus.CANCELLED


def test_a_top_up_resumes_a_subscription_paused_for_its_balance(dairy: Dairy) -> None:
    from apps.ledger.services import tickets_redeem, tickets_sell

    subscription = dairy.sell()
    tickets_redeem(
        company=dairy.company,
        key="used",
        customer=dairy.customer,
        ticket_type=dairy.card.ticket_type,
        quantity=30,
    )
    assert deliveries_generate(company=dairy.company, day=tomorrow()).short == [subscription.pk]
    day_after = tomorrow() + timedelta(days=1)
    assert deliveries_generate(company=dairy.company, day=day_after).still_short == 1
    assert Notification.objects.filter(event="low_balance").count() == 1
    tickets_sell(
        company=dairy.company,
        key="top-up",
        customer=dairy.customer,
        package=dairy.card,
        method=Method.CASH,
    )
    third = tomorrow() + timedelta(days=2)
    assert deliveries_generate(company=dairy.company, day=third).resumed == [subscription.pk]
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert Order.objects.filter(external_id=f"{subscription.pk}:{third.isoformat()}").exists()


@pytest.mark.parametrize(("wallet_fen", "renews"), [(20000, True), (5000, False)])
def test_a_card_that_renews_itself_is_paid_from_the_wallet_when_it_can(
    dairy: Dairy, wallet_fen: int, renews: bool
) -> None:
    from apps.ledger.services import tickets_redeem, wallet_top_up

    subscription = dairy.sell(auto_renew=True)
    tickets_redeem(
        company=dairy.company,
        key="used",
        customer=dairy.customer,
        ticket_type=dairy.card.ticket_type,
        quantity=30,
    )
    wallet_top_up(
        company=dairy.company,
        key="top",
        customer=dairy.customer,
        amount_fen=wallet_fen,
        method=Method.CASH,
    )
    result = deliveries_generate(company=dairy.company, day=tomorrow())
    assert (result.created, result.short) == ((1, []) if renews else (0, [subscription.pk]))
    assert card_balance(dairy) == (30 if renews else 0)
    assert ledger_verify(company=dairy.company) == []
