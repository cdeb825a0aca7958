from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from apps.org.models import Role
from apps.reports.services import customer_activity_refresh
from tests.browser.conftest import log_in, screenshot
from tests.factories import PASSWORD
from tests.reports.conftest import MONDAY, World, query, world

__all__ = ["world"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def two_weeks(world: World) -> None:
    for back in range(14):
        day = MONDAY - timedelta(days=back)
        for n in range(3 + back % 4):
            world.order(
                day, channel=("phone", "wechat", "meituan")[n % 3], delivered_hour=10 + n % 3
            )
        world.order(day, status="failed", failed=[("not_home", world.courier, 11)])
        if back % 3 == 0:
            world.order(day, status="cancelled", cancel_reason="changed_mind")


def test_the_owner_reads_the_last_week_at_a_glance(
    live_server: Any, desktop_page: Any, world: World
) -> None:
    two_weeks(world)
    page = desktop_page
    log_in(page, live_server.url, world.team.users[Role.OWNER].username, PASSWORD)
    params = query(MONDAY - timedelta(days=6), MONDAY)
    page.goto(f"{live_server.url}/reports/?start={params['start']}&end={params['end']}")
    assert page.locator("svg.chart").count() == 5
    assert page.locator("svg.chart polyline").count() == 2
    summary = page.locator("#summary").inner_text()
    assert "73.3" in summary  # 22 of 30 delivered by 11:00: one in three arrives at 12:00
    screenshot(page, "reports-dashboard")
    page.locator(".tabs-bar a").nth(2).click()
    page.wait_for_load_state("networkidle")
    assert page.locator("svg.chart polyline.cumulative").count() == 2
    page.locator("#failed table a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#orders tbody tr").count() == 7
    screenshot(page, "reports-failure-orders")
    page.locator(".tabs-bar a").nth(1).click()
    page.wait_for_load_state("networkidle")
    assert "阿强" in page.locator("#courier-table").inner_text()
    screenshot(page, "reports-couriers")


def test_the_owner_sees_tomorrows_demand_and_who_runs_out(
    live_server: Any, desktop_page: Any, world: World
) -> None:
    two_weeks(world)
    page = desktop_page
    log_in(page, live_server.url, world.team.users[Role.OWNER].username, PASSWORD)
    page.goto(f"{live_server.url}/reports/forecast/?start={MONDAY}&end={MONDAY}")
    assert world.water.name in page.locator("#stock").inner_text()
    assert page.locator("#low-stock").count() == 1  # no stock at all: everything runs low
    screenshot(page, "reports-forecast")
    page.goto(
        f"{live_server.url}/reports/customers/?start={MONDAY - timedelta(days=29)}&end={MONDAY}"
    )
    assert page.locator("#segments tbody tr").count() == 6
    assert page.locator("#unsummarised").is_visible()  # before the first nightly summary
    screenshot(page, "reports-customers")
    customer_activity_refresh(company=world.company)
    page.select_option("select[name=depot]", str(world.depot.pk))
    page.locator(".report-filters button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert f"depot={world.depot.pk}" in page.url
    assert page.locator("#unsummarised").count() == 0
    assert world.depot.name in page.locator("h1").inner_text()
    assert page.locator("#segments tbody tr").count() == 6
