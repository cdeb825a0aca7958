"""The customer's tracking page on a phone: status, timeline and the masked courier phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from apps.customers.models import CustomerPhone
from apps.orders.services.settlement import order_deliver
from tests.browser.conftest import screenshot
from tests.ledger.conftest import lifted_sqlite_guards
from tests.orders.conftest import make_order_world

__all__ = ["lifted_sqlite_guards"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_follows_an_order_on_its_way_on_a_phone(
    live_server: Any, phone_page: Any, lifted_sqlite_guards: None
) -> None:
    world = make_order_world()
    CustomerPhone.objects.create(
        company=world.company, customer=world.customer, number="13812345678", is_primary=True
    )
    world.courier.user.first_name = "王小明"
    world.courier.user.mobile = "13977776666"
    world.courier.user.save()
    world.depot.phone = "057188001234"
    world.depot.save()
    order = world.out_for_delivery()
    page = phone_page
    page.goto(f"{live_server.url}{reverse('tracking:page', args=[order.tracking_token])}")
    assert page.get_by_role("heading", name="您的订单正在配送中").is_visible()
    assert page.get_by_text("139****6666").is_visible()
    assert page.get_by_text("王师傅").is_visible()
    timeline = page.locator("ol.timeline")
    assert timeline.is_visible()
    assert timeline.locator("li").count() == 3
    assert "配送中" in timeline.locator("li").first.inner_text()
    call = page.get_by_role("link", name="致电站点")
    assert call.is_visible()
    assert call.get_attribute("href") == "tel:057188001234"
    box = call.bounding_box()
    assert box is not None and box["height"] >= 44  # a thumb can hit it
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    body = page.content()
    assert "13812345678" not in body
    assert "13977776666" not in body
    screenshot(page, "tracking-out-for-delivery")
    # The page polls its live part; one poll after the delivery shows it without a reload.
    assert page.locator("#live").get_attribute("hx-trigger") == "every 30s"
    order_deliver(order=order, actor=world.dispatcher)
    page.evaluate("htmx.ajax('GET', location.pathname, {target: '#live', swap: 'outerHTML'})")
    page.get_by_role("heading", name="已送达").wait_for()
    assert page.locator("#live").get_attribute("hx-trigger") is None
    assert page.locator("header.mobile-bar").is_visible()


def test_a_delivered_order_shows_its_proof_on_a_phone(
    live_server: Any, phone_page: Any, lifted_sqlite_guards: None
) -> None:
    world = make_order_world()
    order = world.out_for_delivery()
    order_deliver(
        order=order,
        actor=world.dispatcher,
        proof={"photo": "/static/img/favicon.svg", "code": True},
    )
    page = phone_page
    page.goto(f"{live_server.url}{reverse('tracking:page', args=[order.tracking_token])}")
    assert page.get_by_role("heading", name="已送达").is_visible()
    assert page.get_by_role("img", name="送达时拍的照片").is_visible()
    assert page.get_by_text("已用您的收货码确认").is_visible()
    assert page.locator("ol.steps li.current").inner_text() == "已送达"
    screenshot(page, "tracking-delivered")
