from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.ledger import services as ledger
from apps.org.models import Notice
from apps.reports.period import Period
from apps.reports.selectors.stock import stock_outlook
from apps.reports.services import stock_alerts_notify
from tests.reports.conftest import MONDAY, World, query

pytestmark = pytest.mark.django_db
SUNDAY = MONDAY - timedelta(days=1)


def four_weeks_of_ten_a_day(world: World) -> None:
    for back in range(1, 29):
        world.order(MONDAY - timedelta(days=back), lines=[(world.water, 10, 1500)])


def test_tomorrow_is_the_larger_of_booked_and_forecast(world: World) -> None:
    four_weeks_of_ten_a_day(world)
    tuesday = MONDAY + timedelta(days=1)
    world.order(tuesday, status="pending", lines=[(world.water, 25, 1500)])
    world.order(tuesday + timedelta(days=1), status="pending", lines=[(world.water, 4, 1500)])
    tomorrow, rows = stock_outlook(company=world.company, period=Period(SUNDAY, SUNDAY))
    assert tomorrow == tuesday
    (row,) = rows
    assert (row.tomorrow, row.tomorrow_booked) == (25, 25)
    assert row.week == 25 + 6 * 10
    assert row.backtest_mape == 0.0


def test_stock_below_tomorrow_is_low_and_the_order_fills_the_week(world: World) -> None:
    four_weeks_of_ten_a_day(world)
    ledger.stock_receive(
        company=world.company, key="in", depot=world.depot, product=world.water, quantity=8
    )
    ledger.stock_threshold_set(
        company=world.company, depot=world.depot, product=world.water, threshold=20
    )
    _, (row,) = stock_outlook(company=world.company, period=Period(SUNDAY, SUNDAY))
    assert (row.stock, row.threshold, row.tomorrow, row.week) == (8, 20, 10, 70)
    assert row.low
    assert row.suggested_order == 70 + 20 - 8


def test_owners_are_told_once_a_day(world: World) -> None:
    four_weeks_of_ten_a_day(world)
    assert stock_alerts_notify(company=world.company, today=MONDAY) == 1
    assert stock_alerts_notify(company=world.company, today=MONDAY) == 1
    notices = Notice.objects.filter(company=world.company, key__startswith="reports-stock")
    assert notices.count() == 1
    assert "18.9L" in notices.get().text


def test_the_page_asks_a_fixed_number_of_queries(world: World, owner_client) -> None:  # type: ignore[no-untyped-def]
    url = reverse("reports:forecast")
    with CaptureQueriesContext(connection) as empty:
        owner_client.get(url, query(SUNDAY))
    four_weeks_of_ten_a_day(world)
    world.order(SUNDAY, lines=[(world.gas, 1, 12000)], depot=world.other_depot)
    with CaptureQueriesContext(connection) as full:
        response = owner_client.get(url, query(SUNDAY))
    assert len(response.context["rows"]) == 2
    assert len(full) == len(empty)
