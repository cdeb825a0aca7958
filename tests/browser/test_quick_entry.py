"""A dispatcher takes a repeat phone order with the keyboard only."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from apps.customers.models import CustomerPhone
from apps.orders.models import Order, OrderStatus
from apps.org.models import Role
from tests.browser.conftest import log_in, screenshot
from tests.factories import PASSWORD
from tests.orders.conftest import make_order_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_repeat_order_takes_four_digits_and_three_enters(
    live_server: Any, desktop_page: Any
) -> None:
    ow = make_order_world()
    CustomerPhone.objects.create(
        company=ow.company, customer=ow.customer, number="13906715502", is_primary=True
    )
    last = ow.order(quantity=3)
    page = desktop_page
    log_in(page, live_server.url, ow.team.users[Role.DISPATCHER].username, PASSWORD)
    page.goto(f"{live_server.url}/orders/quick/")

    started = time.monotonic()
    page.keyboard.type("5502")
    page.keyboard.press("Enter")
    expect(page.locator("#repeat-last")).to_be_focused()
    screenshot(page, "orders-quick-entry-card")
    page.keyboard.press("Enter")
    expect(page.locator("#save-order")).to_be_focused()
    # 3 × 12 元; the buckets are already held, so no deposit.
    expect(page.locator("#quote [data-total]")).to_have_text("¥36.00")
    page.keyboard.press("Enter")
    expect(page.locator(".message.success")).to_contain_text("已保存")
    elapsed = time.monotonic() - started

    screenshot(page, "orders-quick-entry-saved")
    newest = Order.objects.exclude(pk=last.pk).get()
    assert newest.status == OrderStatus.PENDING
    assert [(line.product_id, line.quantity) for line in newest.lines.all()] == [(ow.water.pk, 3)]
    assert elapsed < 10
    expect(page.locator("#caller")).to_be_focused()
