"""The nightly customer activity summary: what it stores, and that the page reads the same
figures from it as from a full scan of the orders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_q.models import Schedule

from apps.customers.models import Customer
from apps.org.models import Role
from apps.reports.models import CustomerActivity, CustomerActivityRefresh
from apps.reports.period import Period
from apps.reports.selectors.customers import CustomerReport, customer_report
from apps.reports.services import SETTLE_DAYS, customer_activity_refresh
from apps.reports.tasks import CUSTOMER_ACTIVITY, customer_activity_refresh_all
from tests.conftest import Team
from tests.reports.conftest import MONDAY, World, at, query

pytestmark = pytest.mark.django_db
TODAY = MONDAY
MONTH = Period(TODAY - timedelta(days=30), TODAY - timedelta(days=1))


@pytest.fixture
def on_monday() -> Iterator[None]:
    with time_machine.travel(at(TODAY, 10), tick=False):
        yield


def every(
    world: World, customer: Customer, days: int, times: int, *, last: date, **more: Any
) -> None:
    for i in range(times):
        world.order(last - timedelta(days=days * (times - 1 - i)), customer=customer, **more)


def regulars(world: World) -> dict[str, Customer]:
    """A few households whose figures straddle the summary's last day and today."""
    names = ["老王", "张阿姨", "李叔", "赵姐", "小陈", "周师傅"]
    people = {name: world.customer(name) for name in names}
    every(world, people["老王"], 7, 5, last=TODAY - timedelta(days=40))  # dormant
    water = [(world.water, 2, 1500)]
    every(world, people["张阿姨"], 10, 4, last=TODAY - timedelta(days=9), lines=water)
    every(world, people["李叔"], 10, 3, last=TODAY - timedelta(days=10), lines=water)
    world.order(TODAY, customer=people["李叔"], lines=water)  # delivered today, after the night
    world.order(TODAY - timedelta(days=1), customer=people["赵姐"], lines=[(world.gas, 1, 12000)])
    every(world, people["小陈"], 3, 12, last=TODAY - timedelta(days=2))  # champion, recent days
    every(world, people["周师傅"], 30, 6, last=TODAY - timedelta(days=200))  # lost
    world.order(TODAY - timedelta(days=5), customer=people["周师傅"], status="failed")
    world.order(TODAY - timedelta(days=3))  # a new customer inside the settling days
    return people


def figures(report: CustomerReport) -> tuple[Any, ...]:
    return (
        report.segments,
        report.new,
        report.returning,
        [(d.activity, d.usual_days, d.silent_days, d.phone) for d in report.dormant],
        report.running_out,
    )


def scanned(world: World, period: Period) -> tuple[Any, ...]:
    """The figures from a full scan of the orders (no summary)."""
    CustomerActivityRefresh.objects.filter(company=world.company).delete()
    CustomerActivity.objects.filter(company=world.company).delete()
    return figures(customer_report(company=world.company, period=period, today=TODAY))


def summarised(world: World, period: Period) -> tuple[Any, ...]:
    customer_activity_refresh(company=world.company, today=TODAY)
    return figures(customer_report(company=world.company, period=period, today=TODAY))


def test_the_summary_holds_each_customers_delivered_orders_and_pace(world: World) -> None:
    people = regulars(world)
    customer_activity_refresh(company=world.company, today=TODAY)
    through = TODAY - timedelta(days=SETTLE_DAYS + 1)
    rows = {row.customer.name: row for row in CustomerActivity.objects.select_related("customer")}
    wang = rows["老王"]
    assert (wang.through, wang.first_order, wang.last_order, wang.order_count, wang.spend_fen) == (
        through,
        TODAY - timedelta(days=68),
        TODAY - timedelta(days=40),
        5,
        5 * 1500,
    )
    zhang = rows["张阿姨"]  # 2 units every 10 days: 5 days a unit, out tomorrow
    assert (zhang.last_delivery, zhang.days_per_unit, zhang.runs_out_on) == (
        TODAY - timedelta(days=9),
        5.0,
        TODAY + timedelta(days=1),
    )
    assert rows["李叔"].last_delivery == TODAY  # the run-out estimate counts today
    assert rows["小陈"].order_count == 12 - 1  # the order two days ago is still settling
    assert rows["周师傅"].order_count == 6  # the failed order is not counted
    assert people["赵姐"].pk not in {row.customer_id for row in rows.values() if row.order_count}
    assert CustomerActivityRefresh.objects.get(company=world.company).through == through


@pytest.mark.parametrize(
    "period",
    [
        MONTH,
        Period(TODAY, TODAY),
        Period(TODAY - timedelta(days=3), TODAY + timedelta(days=3)),
        Period(TODAY - timedelta(days=60), TODAY - timedelta(days=20)),  # ends before the summary
    ],
    ids=["month", "today", "around-today", "long-ago"],
)
def test_the_page_figures_are_the_same_with_and_without_the_summary(
    world: World, period: Period
) -> None:
    regulars(world)
    full_scan = scanned(world, period)
    assert full_scan[0]["lost"][0] == 1 and full_scan[4]  # the data set shows something
    assert summarised(world, period) == full_scan


def test_one_depot_is_counted_from_its_own_orders(world: World) -> None:
    regulars(world)
    elsewhere = world.customer("城西客户")
    every(world, elsewhere, 7, 4, last=TODAY - timedelta(days=30), depot=world.other_depot)
    period = Period(MONTH.start, MONTH.end, depot=world.other_depot)
    full_scan = scanned(world, period)
    assert [activity.name for activity, *_rest in full_scan[3]] == ["城西客户"]
    assert summarised(world, period) == full_scan


def test_deliveries_after_the_nightly_refresh_change_the_run_out_list(world: World) -> None:
    people = regulars(world)
    customer_activity_refresh(company=world.company, today=TODAY)
    before = customer_report(company=world.company, period=MONTH, today=TODAY)
    assert "张阿姨" in [r.name for r in before.running_out]
    world.order(TODAY, customer=people["张阿姨"], lines=[(world.water, 2, 1500)])
    after = customer_report(company=world.company, period=MONTH, today=TODAY)
    assert "张阿姨" not in [r.name for r in after.running_out]
    assert figures(after) == scanned(world, MONTH)


def test_a_summary_from_another_day_is_not_used_for_the_run_out_list(world: World) -> None:
    regulars(world)
    customer_activity_refresh(company=world.company, today=TODAY - timedelta(days=9))
    CustomerActivity.objects.filter(company=world.company).update(runs_out_on=TODAY)
    report = customer_report(company=world.company, period=MONTH, today=TODAY)
    assert [r.name for r in report.running_out] == ["张阿姨", "小陈"]


def test_refreshing_twice_writes_the_same_rows(world: World) -> None:
    regulars(world)
    fields = ["customer_id", "through", "first_order", "last_order", "order_count", "spend_fen"]
    fields += ["runout_day", "last_delivery", "days_per_unit", "runs_out_on"]
    first = customer_activity_refresh(company=world.company, today=TODAY)
    rows = list(CustomerActivity.objects.order_by("customer_id").values_list(*fields))
    second = customer_activity_refresh(company=world.company, today=TODAY)
    assert first == second == len(rows) == 6
    assert list(CustomerActivity.objects.order_by("customer_id").values_list(*fields)) == rows
    assert CustomerActivityRefresh.objects.count() == 1


def test_the_refresh_reads_and_writes_in_a_fixed_number_of_queries(world: World) -> None:
    world.order(TODAY - timedelta(days=10))
    customer_activity_refresh(company=world.company, today=TODAY)
    with CaptureQueriesContext(connection) as one:
        customer_activity_refresh(company=world.company, today=TODAY)
    regulars(world)
    with CaptureQueriesContext(connection) as full:
        customer_activity_refresh(company=world.company, today=TODAY)
    assert len(full) == len(one)


def test_the_page_asks_a_fixed_number_of_queries_from_the_summary(
    world: World, owner_client: Any, on_monday: None
) -> None:
    url = reverse("reports:customers")
    customer_activity_refresh(company=world.company, today=TODAY)
    with CaptureQueriesContext(connection) as empty:
        owner_client.get(url, query(MONTH.start, MONTH.end))
    regulars(world)
    customer_activity_refresh(company=world.company, today=TODAY)
    world.order(TODAY, customer=world.customers[2], lines=[(world.water, 2, 1500)])
    with CaptureQueriesContext(connection) as full:
        response = owner_client.get(url, query(MONTH.start, MONTH.end))
    assert response.status_code == 200
    assert "老王" in response.content.decode() and "小陈" in response.content.decode()
    assert len(full) == len(empty)


def test_a_fresh_install_shows_the_figures_before_the_first_night(
    world: World, owner_client: Any, on_monday: None
) -> None:
    regulars(world)
    response = owner_client.get(reverse("reports:customers"), query(MONTH.start, MONTH.end))
    page = response.content.decode()
    assert "老王" in page and "张阿姨" in page
    assert not CustomerActivityRefresh.objects.exists()  # a page view writes nothing


def test_another_companys_customers_never_appear(
    world: World, other_team: Team, on_monday: None
) -> None:
    regulars(world)
    customer_activity_refresh_all()
    client = other_team.client_for(Role.OWNER)
    response = client.get(reverse("reports:customers"), query(MONTH.start, MONTH.end))
    assert response.status_code == 200
    assert "老王" not in response.content.decode()
    assert "张阿姨" not in response.content.decode()
    assert not CustomerActivity.objects.filter(company=other_team.company).exists()
    assert CustomerActivityRefresh.objects.filter(company=other_team.company).exists()
    report = customer_report(company=other_team.company, period=MONTH, today=TODAY)
    assert sum(n for n, _spend in report.segments.values()) == 0
    assert not report.running_out


def test_every_active_company_is_refreshed_every_night(
    world: World, other_team: Team, on_monday: None
) -> None:
    regulars(world)
    assert customer_activity_refresh_all() == 6
    assert customer_activity_refresh_all() == 6
    assert CustomerActivityRefresh.objects.count() == 2
    schedule = Schedule.objects.get(name=CUSTOMER_ACTIVITY)
    assert (schedule.func, schedule.schedule_type, schedule.repeats) == (
        "apps.reports.tasks.customer_activity_refresh_all",
        Schedule.DAILY,
        -1,
    )


def test_the_report_reads_the_stored_totals_rather_than_every_order(world: World) -> None:
    people = regulars(world)
    customer_activity_refresh(company=world.company, today=TODAY)
    CustomerActivity.objects.filter(customer=people["老王"]).update(order_count=50)
    report = customer_report(company=world.company, period=MONTH, today=TODAY)
    assert [d.activity.orders for d in report.dormant if d.activity.name == "老王"] == [50]
