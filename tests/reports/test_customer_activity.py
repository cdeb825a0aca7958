"""The nightly customer activity summary: what it stores, and that the page reads the same
figures from it as from a full scan of the orders."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_q.models import Schedule

from apps.customers.models import Customer
from apps.orders.models import Order
from apps.org.models import Role
from apps.reports.models import (
    CustomerActivity,
    CustomerActivityRefresh,
    CustomerDay,
    CustomerTotals,
)
from apps.reports.period import Period
from apps.reports.selectors.customers import (
    RUN_OUT_LOOKBACK_DAYS,
    CustomerReport,
    customer_report,
)
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


def settled(world: World) -> None:
    """The orders so far were taken and last changed long before any nightly refresh."""
    Order.objects.filter(company=world.company).update(
        created_at=at(date(2025, 1, 1), 9), status_changed_at=at(date(2025, 1, 1), 9)
    )


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


def test_the_summary_holds_each_customers_days_running_totals_and_pace(world: World) -> None:
    people = regulars(world)
    written = customer_activity_refresh(company=world.company, today=TODAY)
    through = TODAY - timedelta(days=SETTLE_DAYS + 1)
    assert CustomerActivityRefresh.objects.get(company=world.company).through == through
    wang_days = CustomerDay.objects.filter(customer=people["老王"]).order_by("day")
    assert [(row.day, row.depot, row.order_count, row.spend_fen) for row in wang_days] == [
        (TODAY - timedelta(days=days), world.depot, 1, 1500) for days in (68, 61, 54, 47, 40)
    ]
    wang_totals = CustomerTotals.objects.filter(customer=people["老王"]).order_by("before")
    assert [
        (row.before, row.first_order, row.last_order, row.order_count, row.spend_fen)
        for row in wang_totals
    ] == [
        (date(2026, 1, 1), date(2025, 12, 24), date(2025, 12, 31), 2, 3000),
        (date(2026, 2, 1), date(2025, 12, 24), date(2026, 1, 21), 5, 7500),
        (through + timedelta(days=1), date(2025, 12, 24), date(2026, 1, 21), 5, 7500),
    ]
    chen = CustomerDay.objects.filter(customer=people["小陈"])
    assert chen.count() == 12 - 1  # the order two days ago is still settling
    assert max(row.day for row in chen) == TODAY - timedelta(days=5)
    assert CustomerDay.objects.filter(customer=people["周师傅"]).count() == 6  # not the failed one
    assert not CustomerDay.objects.filter(customer=people["赵姐"]).exists()
    paces = {row.customer.name: row for row in CustomerActivity.objects.select_related("customer")}
    zhang = paces["张阿姨"]  # 2 units every 10 days: 5 days a unit, out tomorrow
    assert (zhang.last_delivery, zhang.days_per_unit, zhang.runs_out_on, zhang.last_depot) == (
        TODAY - timedelta(days=9),
        5.0,
        TODAY + timedelta(days=1),
        world.depot,
    )
    assert paces["李叔"].last_delivery == TODAY  # the run-out estimate counts today
    assert written == (CustomerDay.objects.count() + CustomerTotals.objects.count() + len(paces))


PERIODS = {
    "month": MONTH,
    "today": Period(TODAY, TODAY),
    "around-today": Period(TODAY - timedelta(days=3), TODAY + timedelta(days=3)),
    "ends-on-the-last-settled-day": Period(TODAY - timedelta(days=9), TODAY - timedelta(days=3)),
    "ends-before-the-summary": Period(TODAY - timedelta(days=60), TODAY - timedelta(days=20)),
    "ends-on-a-months-last-day": Period(date(2026, 1, 1), date(2026, 1, 31)),
    "ends-on-a-months-first-day": Period(date(2025, 12, 2), date(2026, 1, 1)),
    "a-year-ago": Period(date(2025, 3, 1), date(2025, 3, 31)),
}


def on_depot(world: World, period: Period, depot: str) -> Period:
    chosen = {"all": None, "main": world.depot, "west": world.other_depot}[depot]
    return replace(period, depot=chosen)


def west_regulars(world: World) -> None:
    """Households of the other depot, one of them served by both depots."""
    elsewhere = world.customer("城西客户")
    every(world, elsewhere, 7, 4, last=TODAY - timedelta(days=30), depot=world.other_depot)
    both = world.customer("两边跑")
    water = [(world.water, 1, 1500)]
    every(world, both, 5, 6, last=TODAY - timedelta(days=9), lines=water)
    world.order(TODAY - timedelta(days=4), customer=both, lines=water, depot=world.other_depot)


@pytest.mark.parametrize("depot", ["all", "main", "west"])
@pytest.mark.parametrize("name", list(PERIODS))
def test_the_page_figures_are_the_same_with_and_without_the_summary(
    world: World, name: str, depot: str
) -> None:
    regulars(world)
    west_regulars(world)
    period = on_depot(world, PERIODS[name], depot)
    full_scan = scanned(world, period)
    if name == "month":
        assert sum(n for n, _spend in full_scan[0].values()) > 0  # the data set shows something
    assert summarised(world, period) == full_scan


def test_one_depot_is_counted_from_its_own_orders(world: World) -> None:
    regulars(world)
    west_regulars(world)
    customer_activity_refresh(company=world.company, today=TODAY)
    west = customer_report(
        company=world.company, period=on_depot(world, MONTH, "west"), today=TODAY
    )
    assert [d.activity.name for d in west.dormant] == ["城西客户"]
    assert [r.name for r in west.running_out] == ["两边跑"]  # its last delivery came from here
    main = customer_report(
        company=world.company, period=on_depot(world, MONTH, "main"), today=TODAY
    )
    assert "两边跑" not in [r.name for r in main.running_out]
    assert "城西客户" not in [d.activity.name for d in main.dormant]
    assert sum(n for n, _spend in west.segments.values()) == 2


def test_deliveries_after_the_nightly_refresh_change_the_run_out_list(world: World) -> None:
    people = regulars(world)
    customer_activity_refresh(company=world.company, today=TODAY)
    before = customer_report(company=world.company, period=MONTH, today=TODAY)
    assert "张阿姨" in [r.name for r in before.running_out]
    world.order(TODAY, customer=people["张阿姨"], lines=[(world.water, 2, 1500)])
    after = customer_report(company=world.company, period=MONTH, today=TODAY)
    assert "张阿姨" not in [r.name for r in after.running_out]
    assert figures(after) == scanned(world, MONTH)


def test_a_summary_from_a_few_nights_ago_is_brought_up_to_today(world: World) -> None:
    people = regulars(world)
    west_regulars(world)
    night = TODAY - timedelta(days=2)
    leaving = world.customer("快出窗口")  # its first delivery leaves the lookback since the night
    for days in (RUN_OUT_LOOKBACK_DAYS + 1, 21, 11):
        world.order(
            night - timedelta(days=days - 2), customer=leaving, lines=[(world.gas, 1, 9000)]
        )
    customer_activity_refresh(company=world.company, today=night)
    world.order(TODAY, customer=people["张阿姨"], lines=[(world.water, 2, 1500)])
    for depot in ("all", "west"):
        period = on_depot(world, MONTH, depot)
        report = customer_report(company=world.company, period=period, today=TODAY)
        assert report.running_out == scanned(world, period)[4]
        customer_activity_refresh(company=world.company, today=night)


def test_a_summary_from_another_week_is_not_used_for_the_run_out_list(world: World) -> None:
    regulars(world)
    customer_activity_refresh(company=world.company, today=TODAY - timedelta(days=9))
    CustomerActivity.objects.filter(company=world.company).update(runs_out_on=TODAY)
    report = customer_report(company=world.company, period=MONTH, today=TODAY)
    assert [r.name for r in report.running_out] == ["张阿姨", "小陈"]


def stored(world: World) -> tuple[list[tuple[Any, ...]], ...]:
    """Everything the summaries hold for the company, in a stable order."""
    days = CustomerDay.objects.filter(company=world.company).order_by(
        "customer_id", "depot_id", "day"
    )
    totals = CustomerTotals.objects.filter(company=world.company).order_by(
        "customer_id", "depot_id", "before"
    )
    paces = CustomerActivity.objects.filter(company=world.company).order_by("customer_id")
    return (
        list(days.values_list("customer_id", "depot_id", "day", "order_count", "spend_fen")),
        list(
            totals.values_list(
                "customer_id",
                "depot_id",
                "before",
                "first_order",
                "last_order",
                "order_count",
                "spend_fen",
            )
        ),
        list(
            paces.values_list(
                "customer_id",
                "runout_day",
                "last_delivery",
                "last_depot",
                "days_per_unit",
                "runs_out_on",
            )
        ),
    )


def rebuilt(world: World, today: date) -> tuple[list[tuple[Any, ...]], ...]:
    """The summaries built from nothing on ``today``."""
    CustomerActivityRefresh.objects.filter(company=world.company).delete()
    customer_activity_refresh(company=world.company, today=today)
    return stored(world)


def test_refreshing_twice_writes_the_same_rows(world: World) -> None:
    regulars(world)
    settled(world)
    first = customer_activity_refresh(company=world.company, today=TODAY)
    rows = stored(world)
    second = customer_activity_refresh(company=world.company, today=TODAY)
    assert stored(world) == rows and all(rows)
    assert second < first  # the second night rewrites only the last week
    assert CustomerActivityRefresh.objects.count() == 1


def test_each_night_rewrites_only_the_last_week_and_the_months_after_it(world: World) -> None:
    people = regulars(world)
    settled(world)
    customer_activity_refresh(company=world.company, today=TODAY - timedelta(days=1))
    CustomerDay.objects.filter(customer=people["老王"]).update(order_count=9)
    customer_activity_refresh(company=world.company, today=TODAY)
    assert set(
        CustomerDay.objects.filter(customer=people["老王"]).values_list("order_count", flat=True)
    ) == {9}  # long settled: not read again
    assert CustomerDay.objects.filter(day=TODAY - timedelta(days=3)).exists()  # newly settled


def test_orders_taken_or_changed_since_the_last_night_are_picked_up(world: World) -> None:
    people = regulars(world)
    settled(world)
    customer_activity_refresh(company=world.company, today=TODAY - timedelta(days=1))
    imported = world.order(date(2025, 6, 3), customer=people["老王"])  # an old order imported
    failed = Order.objects.get(customer=people["周师傅"], status="failed")
    Order.objects.filter(pk=failed.pk).update(status="delivered", status_changed_at=at(TODAY, 8))
    customer_activity_refresh(company=world.company, today=TODAY)
    assert CustomerDay.objects.filter(customer=people["老王"], day=date(2025, 6, 3)).exists()
    assert CustomerDay.objects.filter(customer=people["周师傅"], day=TODAY - timedelta(days=5))
    assert (
        CustomerTotals.objects.get(customer=people["老王"], before=date(2026, 2, 1)).first_order
        == imported.window_start.date()
    )
    assert stored(world) == rebuilt(world, TODAY)


@pytest.mark.parametrize("nights", [[1], [5, 4], [20], [40, 3, 2, 1]], ids=str)
def test_nights_after_nights_hold_what_one_build_holds(world: World, nights: list[int]) -> None:
    regulars(world)
    for days_before in nights:  # across the first of March, or with nights missed
        customer_activity_refresh(company=world.company, today=TODAY - timedelta(days=days_before))
    customer_activity_refresh(company=world.company, today=TODAY + timedelta(days=3))
    assert stored(world) == rebuilt(world, TODAY + timedelta(days=3))


def test_the_refresh_reads_and_writes_in_a_fixed_number_of_queries(world: World) -> None:
    every(world, world.customer(), 10, 3, last=TODAY - timedelta(days=10))
    settled(world)
    customer_activity_refresh(company=world.company, today=TODAY)
    with CaptureQueriesContext(connection) as one:
        customer_activity_refresh(company=world.company, today=TODAY)
    regulars(world)
    settled(world)
    with CaptureQueriesContext(connection) as full:
        customer_activity_refresh(company=world.company, today=TODAY)
    assert len(full) == len(one)


@pytest.mark.parametrize("name", ["month", "ends-before-the-summary", "a-year-ago"])
@pytest.mark.parametrize("depot", ["all", "main"])
def test_the_page_asks_a_fixed_number_of_queries_from_the_summary(
    world: World, owner_client: Any, on_monday: None, name: str, depot: str
) -> None:
    url = reverse("reports:customers")
    period = PERIODS[name]
    params = query(
        period.start, period.end, **({"depot": world.depot.pk} if depot == "main" else {})
    )
    customer_activity_refresh(company=world.company, today=TODAY)
    with CaptureQueriesContext(connection) as empty:
        owner_client.get(url, params)
    regulars(world)
    customer_activity_refresh(company=world.company, today=TODAY)
    world.order(TODAY, customer=world.customers[2], lines=[(world.water, 2, 1500)])
    with CaptureQueriesContext(connection) as full:
        response = owner_client.get(url, params)
    assert response.status_code == 200
    if name == "month":
        assert "老王" in response.content.decode() and "小陈" in response.content.decode()
    assert len(full) == len(empty)
    assert not any('"orders_order"' in q["sql"] and "GROUP BY" in q["sql"] for q in full) or (
        period.end > TODAY - timedelta(days=SETTLE_DAYS + 1)
    )


def test_a_fresh_install_shows_the_figures_before_the_first_night(
    world: World, owner_client: Any, on_monday: None
) -> None:
    regulars(world)
    response = owner_client.get(reverse("reports:customers"), query(MONTH.start, MONTH.end))
    page = response.content.decode()
    assert "老王" in page and "张阿姨" in page
    assert "客户汇总尚未生成" in page  # the owner is told why the page is slower tonight
    assert not CustomerActivityRefresh.objects.exists()  # a page view writes nothing
    customer_activity_refresh(company=world.company, today=TODAY)
    again = owner_client.get(reverse("reports:customers"), query(MONTH.start, MONTH.end))
    assert "客户汇总尚未生成" not in again.content.decode()


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
    assert customer_activity_refresh_all() > 0
    rows = stored(world)
    customer_activity_refresh_all()
    assert stored(world) == rows
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
    latest_cut = TODAY - timedelta(days=SETTLE_DAYS)  # the totals recent periods start from
    CustomerTotals.objects.filter(customer=people["老王"], before=latest_cut).update(order_count=50)
    report = customer_report(company=world.company, period=MONTH, today=TODAY)
    assert [d.activity.orders for d in report.dormant if d.activity.name == "老王"] == [50]
    january = Period(date(2026, 1, 5), date(2026, 1, 25))
    report = customer_report(company=world.company, period=january, today=TODAY)
    assert (report.new, report.returning) == (1, 1)  # 张阿姨 is new, 老王 came back
    CustomerTotals.objects.filter(customer=people["老王"], before=date(2026, 1, 1)).delete()
    report = customer_report(company=world.company, period=january, today=TODAY)
    assert (report.new, report.returning) == (2, 0)  # only January's stored days are left


def test_the_summaries_can_be_built_by_hand(world: World, other_team: Team) -> None:
    regulars(world)
    out = StringIO()
    call_command("refresh_customer_summaries", "--company", str(world.company.pk), stdout=out)
    assert f"(#{world.company.pk})" in out.getvalue()
    assert CustomerActivityRefresh.objects.get().company == world.company
    assert CustomerDay.objects.filter(company=world.company).exists()
    with pytest.raises(CommandError):
        call_command("refresh_customer_summaries", "--company", "999999", stdout=StringIO())
