"""A dispatcher plans tomorrow's routes, watches the job finish, sees the routes and publishes them."""

from __future__ import annotations

import threading
import time as clock
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from apps.fleet.models import PlanStatus, RoutePlan, Shift
from apps.fleet.services import planning
from apps.orders.models import Order, OrderStatus
from apps.org.models import Role
from tests.browser.conftest import log_in, screenshot
from tests.factories import PASSWORD
from tests.fleet.conftest import make_fleet_world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("working_hours"),
]


def queue_in_a_thread(plan_id: int) -> None:
    """Like a worker of the cluster: the job starts a moment later, in its own connection."""

    def work() -> None:
        try:
            clock.sleep(1.5)
            planning.route_plan_compute(plan_id=plan_id)
        finally:
            connection.close()

    threading.Thread(target=work, daemon=True).start()


def test_a_dispatcher_plans_routes_sees_them_on_the_map_and_publishes_them(
    live_server: Any, desktop_page: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(planning, "_enqueue", queue_in_a_thread)
    fw = make_fleet_world(couriers=2)
    day = timezone.localdate() + timedelta(days=1)
    Shift.objects.filter(company=fw.company).update(date=day)
    for n in range(8):
        start = timezone.make_aware(datetime.combine(day, time(9 + n % 3)))
        fw.order_near(window=(start, start + timedelta(hours=3)))
    page = desktop_page
    log_in(page, live_server.url, fw.team.users[Role.DISPATCHER].username, PASSWORD)

    page.goto(f"{live_server.url}/fleet/plans/new/")
    page.get_by_label("日期").fill(day.isoformat())
    page.get_by_label("时段").select_option("day")
    page.get_by_label("时限（秒）").fill("3")
    screenshot(page, "fleet-planning-form")
    page.get_by_role("button", name="开始规划").click()

    expect(page.locator("#plan-status progress")).to_be_visible()
    screenshot(page, "fleet-planning-progress")
    expect(page.locator(".route-card").first).to_be_visible(timeout=30_000)
    expect(page.locator(".route-stop-icon")).to_have_count(8)
    assert page.locator(".leaflet-overlay-pane path").count() >= 1
    expect(page.locator(".plan-stats")).to_contain_text("8")
    expect(page.locator("#plan-map .leaflet-control-zoom-in")).to_have_attribute("title", "放大")
    expect(page.locator("#plan-map .leaflet-control-zoom-out")).to_have_attribute("title", "缩小")
    screenshot(page, "fleet-planning-routes")

    page.get_by_role("button", name="发布给配送员").click()
    expect(page.locator(".message.success")).to_contain_text("已发布")
    screenshot(page, "fleet-planning-published")
    plan = RoutePlan.objects.get()
    assert plan.status == PlanStatus.PUBLISHED
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.ASSIGNED}
