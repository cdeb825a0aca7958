from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.catalog.models import TicketPackage
from apps.ledger import services as ledger
from apps.ledger.selectors import customer_summary
from apps.orders.models import OrderStatus
from apps.reports.period import Period
from apps.reports.selectors.dashboard import dashboard, liabilities
from tests.factories import ContainerTypeFactory, TicketTypeFactory
from tests.reports.conftest import MONDAY, World, query

pytestmark = pytest.mark.django_db
S = OrderStatus


def monday(world: World) -> None:
    """Six orders on Monday and one on Sunday, worked out by hand in the tests below."""
    world.order(MONDAY, lines=[(world.water, 2, 1500)])  # on time
    world.order(MONDAY, channel="wechat", payment="scan", delivered_hour=12)  # late
    world.order(MONDAY, status=S.FAILED, failed=[("not_home", world.courier, 10)])
    world.order(MONDAY, status=S.CANCELLED, channel="meituan", cancel_reason="changed_mind")
    world.order(
        MONDAY,
        lines=[(world.gas, 1, 12000)],
        payment="tickets",
        window=(14, 16),
        delivered_hour=15,
        failed=[("phone_off", world.courier, 10)],
    )
    world.order(MONDAY, status=S.PENDING, depot=world.other_depot, lines=[(world.water, 3, 1500)])
    world.order(MONDAY - timedelta(days=1))


def test_figures_match_the_hand_count(world: World) -> None:
    monday(world)
    dash = dashboard(company=world.company, period=Period(MONDAY, MONDAY))
    cur = dash.current
    assert (cur.orders, cur.units, cur.delivered) == (6, 9, 3)
    assert cur.on_time_rate == 66.7  # 2 of 3 delivered inside the window
    assert cur.failed_rate == 33.3  # 2 of 6 orders failed at least once
    assert cur.cancelled_rate == 16.7
    assert cur.revenue_fen == 3000 + 1500 + 12000
    assert cur.revenue_by_payment == {"cash": 3000, "scan": 1500, "tickets": 12000}
    assert cur.by_status["delivered"] == [3, 4]
    assert cur.by_channel == {"phone": [4, 7], "wechat": [1, 1], "meituan": [1, 1]}
    assert (dash.previous.orders, dash.previous.on_time_rate) == (1, 100.0)
    assert [p.orders for p in dash.trend][-2:] == [1, 6]


def test_one_depot_counts_only_its_orders(world: World) -> None:
    monday(world)
    dash = dashboard(company=world.company, period=Period(MONDAY, MONDAY, world.other_depot))
    assert (dash.current.orders, dash.current.units, dash.current.delivered) == (1, 3, 0)
    assert dash.current.on_time_rate is None


def test_outstanding_balances_equal_the_ledger(world: World) -> None:
    company, courier = world.company, world.courier
    bucket = ContainerTypeFactory(company=company, name="水桶", deposit_fen=3000)
    tickets = TicketTypeFactory(company=company, name="水票")
    package = TicketPackage.objects.create(
        company=company, ticket_type=tickets, name="10 张", paid_tickets=10, price_fen=15000
    )
    cash_buyer, credit_buyer = world.customer(), world.customer(credit_limit_fen=100000)
    ledger.tickets_sell(
        company=company,
        key="t1",
        customer=cash_buyer,
        package=package,
        method="cash",
        courier=courier,
    )
    ledger.tickets_sell(
        company=company, key="t2", customer=credit_buyer, package=package, method="credit"
    )
    ledger.deposit_take(
        company=company,
        key="d1",
        customer=cash_buyer,
        container_type=bucket,
        quantity=2,
        method="cash",
        courier=courier,
    )
    ledger.containers_move(
        company=company,
        key="m1",
        customer=cash_buyer,
        courier=courier,
        container_type=bucket,
        delivered=3,
        collected=0,
    )
    figures = liabilities(company=company)
    summaries = [customer_summary(customer=c) for c in (cash_buyer, credit_buyer)]
    assert figures.courier_cash_fen == 15000 + 6000
    assert figures.receivables_fen == sum(s.owed_fen for s in summaries) == 15000
    assert figures.ticket_liability_fen == 30000
    assert figures.tickets_outstanding == sum(t[1] for s in summaries for t in s.tickets) == 20
    assert figures.deposits_fen == sum(s.deposits_fen for s in summaries) == 6000
    assert figures.containers_out == sum(p.held for s in summaries for p in s.containers) == 3
    assert figures.containers_owed == sum(p.owed for s in summaries for p in s.containers) == 1


def test_the_page_shows_the_period_and_its_comparison(world: World, owner_client) -> None:  # type: ignore[no-untyped-def]
    monday(world)
    response = owner_client.get(reverse("reports:index"), query(MONDAY))
    body = response.content.decode()
    assert response.status_code == 200
    assert "66.7" in body and "100.0" in body
    assert body.count("<svg") == 5


def test_the_page_asks_the_same_number_of_queries_however_much_data(
    world: World, owner_client
) -> None:  # type: ignore[no-untyped-def]
    world.order(MONDAY)
    with CaptureQueriesContext(connection) as small:
        owner_client.get(reverse("reports:index"), query(MONDAY))
    monday(world)
    for _ in range(5):
        world.order(
            MONDAY,
            courier=world.second_courier,
            status=S.FAILED,
            failed=[("refused", world.second_courier, 9)],
        )
    with CaptureQueriesContext(connection) as big:
        owner_client.get(reverse("reports:index"), query(MONDAY))
    assert len(big) == len(small) <= 23  # the ledger balances read accounts and their shards


def test_a_bad_period_is_named_and_the_default_shown(world: World, owner_client) -> None:  # type: ignore[no-untyped-def]
    response = owner_client.get(reverse("reports:index"), query(MONDAY, MONDAY - timedelta(days=3)))
    assert response.status_code == 200
    assert response.context["form"].errors["start"]


def test_a_dispatcher_may_not_open_reports(team) -> None:  # type: ignore[no-untyped-def]
    response = team.client_for("dispatcher").get(reverse("reports:index"))
    assert response.status_code == 403
