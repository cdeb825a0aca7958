"""The demo dairy's past weeks: delivered and settled subscription orders the reports can show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.catalog import demo as catalog_demo
from apps.core.demo import DemoWorld
from apps.customers import demo as customers_demo
from apps.ledger.models import Transaction
from apps.orders.models import Order, OrderChannel, OrderEvent, OrderLine, OrderStatus
from apps.org import demo as org_demo
from apps.org.demo import DAIRY
from apps.org.models import Company, User
from apps.reports import demo as reports_demo
from apps.reports.models import CustomerActivityRefresh, CustomerDay
from apps.reports.period import Period
from apps.reports.selectors.dashboard import dashboard
from apps.reports.selectors.products import product_ranking
from apps.subscriptions import demo as subscriptions_demo
from apps.subscriptions.models import Subscription

pytestmark = pytest.mark.django_db
DAYS = 10


def silent(line: str) -> None:
    """The seed's log, not wanted here."""


def seeded(world: DemoWorld) -> Company:
    for module in (org_demo, catalog_demo, customers_demo, subscriptions_demo, reports_demo):
        module.seed(world)
    return world.companies[DAIRY]


@pytest.fixture
def dairy(monkeypatch: pytest.MonkeyPatch) -> Company:
    monkeypatch.setattr(subscriptions_demo, "HISTORY_DAYS", DAYS)
    monkeypatch.setattr(subscriptions_demo, "SUBSCRIPTIONS", 60)
    monkeypatch.setattr(subscriptions_demo, "DAIRY_CUSTOMERS", 60)
    monkeypatch.setattr(subscriptions_demo, "HISTORY_SHARE", 0.5)
    return seeded(DemoWorld(today=timezone.localdate(), log=silent))


def past_deliveries(company: Company) -> list[Order]:
    today = timezone.localdate()
    return list(
        Order.objects.filter(
            company=company,
            channel=OrderChannel.SUBSCRIPTION,
            window_start__lt=Period(today, today).since,
        ).select_related("settlement")
    )


def test_the_dairy_has_weeks_of_settled_deliveries_its_reports_show(dairy: Company) -> None:
    today = timezone.localdate()
    orders = past_deliveries(dairy)
    days = {timezone.localtime(order.window_start).date() for order in orders}
    assert days == {today - timedelta(days=n) for n in range(1, DAYS + 1)}
    assert {order.status for order in orders} == {OrderStatus.DELIVERED}
    assert all(order.courier_id and order.settlement for order in orders)
    assert all(order.settlement.occurred_at == order.delivered_at for order in orders)  # type: ignore[union-attr]
    assert all(order.window_start < order.delivered_at < order.window_end for order in orders)  # type: ignore[operator]
    assert all(order.created_at < order.window_start for order in orders)
    lines = OrderLine.objects.filter(order__in=orders)
    assert not lines.exclude(delivered_quantity=F("quantity")).exists()
    moves = OrderEvent.objects.filter(order__in=orders).values_list("to_status", flat=True)
    assert sorted(set(moves)) == sorted(
        {OrderStatus.PENDING, OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY, "delivered"}
    )
    assert not OrderEvent.objects.filter(order__in=orders, at__gte=Period(today, today).since)
    started = Subscription.objects.filter(company=dairy, start_date=today - timedelta(days=DAYS))
    assert started.exists()
    assert Transaction.objects.filter(company=dairy, pk__in=[o.settlement_id for o in orders])
    yesterday = timezone.localdate() - timedelta(days=1)
    period = Period(yesterday - timedelta(days=DAYS - 1), yesterday)
    dash = dashboard(company=dairy, period=period)
    assert all(point.delivered > 0 for point in dash.trend if point.day >= period.start)
    assert dash.current.revenue_by_payment
    assert {row.name for row in product_ranking(company=dairy, period=period)}
    owner = User.objects.get(username="dairy")
    client = Client()
    client.force_login(owner)
    query = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    page = client.get(reverse("reports:products"), query).content.decode()
    assert "鲜奶" in page
    assert CustomerActivityRefresh.objects.filter(company=dairy).exists()
    assert CustomerDay.objects.filter(company=dairy).exists()
    customers = client.get(reverse("reports:customers"), query).content.decode()
    assert "客户汇总尚未生成" not in customers and "核心客户" in customers


def test_seeding_the_dairy_again_adds_nothing(dairy: Company) -> None:
    orders, transactions = Order.objects.count(), Transaction.objects.count()
    seeded(DemoWorld(today=timezone.localdate(), log=silent))
    assert (Order.objects.count(), Transaction.objects.count()) == (orders, transactions)
