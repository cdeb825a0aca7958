from __future__ import annotations

from typing import Any

import pytest

from apps.org.models import Role
from tests.browser.conftest import log_in, screenshot
from tests.conftest import make_team
from tests.factories import PASSWORD, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_dispatcher_logs_in_at_desktop_size(live_server: Any, desktop_page: Any) -> None:
    team = make_team("清泉水站")
    log_in(desktop_page, live_server.url, team.users[Role.DISPATCHER].username, PASSWORD)
    assert desktop_page.locator(".topbar").inner_text().count("清泉水站") == 1
    nav = desktop_page.locator("nav.sidebar")
    assert nav.get_by_role("link", name="调度").is_visible()
    assert nav.get_by_role("link", name="账务").count() == 0
    desktop_page.get_by_role("link", name="订单").first.click()
    tabs = desktop_page.get_by_role("navigation", name="订单")
    assert tabs.get_by_role("link", name="订单池").get_attribute("class") == "active"
    assert tabs.get_by_role("link", name="来电下单").is_visible()
    assert screenshot(desktop_page, "dispatcher-desktop").stat().st_size > 10_000


def test_an_owner_manages_the_catalogue(live_server: Any, desktop_page: Any) -> None:
    team = make_team("清泉水站")
    ProductFactory(company=team.company, name="18.9L 桶装饮用天然水", price_fen=2200)
    log_in(desktop_page, live_server.url, team.users[Role.OWNER].username, PASSWORD)
    desktop_page.get_by_role("link", name="商品目录").first.click()
    desktop_page.get_by_role("link", name="商品", exact=True).click()
    assert "¥22.00" in desktop_page.locator("table").inner_text()
    desktop_page.get_by_role("link", name="新建商品").click()
    desktop_page.get_by_label("商品编码").fill("W-TEST-1")
    desktop_page.get_by_label("名称").fill("测试水")
    desktop_page.get_by_label("品类").select_option("water")
    desktop_page.get_by_label("价格").fill("-3")
    desktop_page.get_by_role("button", name="保存").click()
    assert "金额不能为负数" in desktop_page.content()
    desktop_page.get_by_label("价格").fill("15.5")
    desktop_page.get_by_role("button", name="保存").click()
    assert "¥15.50" in desktop_page.locator("table").inner_text()
    screenshot(desktop_page, "owner-catalogue")


def test_a_courier_logs_in_on_a_phone(live_server: Any, phone_page: Any) -> None:
    team = make_team("清泉水站")
    log_in(phone_page, live_server.url, team.users[Role.COURIER].mobile, PASSWORD)
    assert phone_page.url.endswith("/fleet/courier/")
    assert "我的配送" in phone_page.locator(".mobile-bar").inner_text()
    assert phone_page.locator("nav.sidebar").count() == 0
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the courier page must not scroll sideways on a phone"
    assert screenshot(phone_page, "courier-phone").stat().st_size > 5_000
