"""A courier grabs orders from the pool on his phone: one he gets, one somebody else was quicker for."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from apps.fleet.models import DispatchPolicy, DispatchSettings, GrabOffer
from apps.fleet.services.grab import order_claim
from apps.orders.models import Order, OrderStatus
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.factories import PASSWORD
from tests.fleet.conftest import make_fleet_world
from tests.ledger.conftest import lifted_sqlite_guards

__all__ = ["lifted_sqlite_guards"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("working_hours"),
]


def test_a_courier_grabs_one_order_and_finds_the_other_taken(
    live_server: Any, phone_page: Any, lifted_sqlite_guards: None
) -> None:
    fw = make_fleet_world()
    DispatchSettings.objects.create(
        company=fw.company, depot=fw.depot, policy=DispatchPolicy.GRAB, grab_radius_km=5
    )
    me, rival = fw.couriers
    me.user.first_name = "李师傅"
    me.user.save()
    # Committed orders: the receiver offers each in the pool.
    mine, theirs = fw.order_near(quantity=2), fw.order_near(quantity=3)
    assert GrabOffer.objects.filter(closed_at=None).count() == 2
    page = phone_page

    log_in(page, live_server.url, me.user.username, PASSWORD)
    page.get_by_role("link", name="抢单").click()
    page.wait_for_url(f"**{reverse('fleet:grab_pool')}")
    rows = page.locator("li.grab-item")
    assert rows.count() == 2
    first = page.locator(f'li[data-order="{mine.pk}"]')
    assert mine.address.short in first.inner_text()
    button = first.get_by_role("button", name="抢单")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44  # a thumb can hit it
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "grab-pool-phone")

    button.click()
    page.get_by_text("已抢到", exact=True).wait_for()
    assert Order.objects.get(pk=mine.pk).courier_id == me.pk

    order_claim(order=theirs, courier=rival)  # the rival was quicker on his phone
    page.locator(f'li[data-order="{theirs.pk}"]').get_by_role("button", name="抢单").click()
    page.get_by_text("已被抢", exact=True).wait_for()
    assert "晚了一步" in page.locator(f'li[data-order="{theirs.pk}"]').inner_text()
    assert Order.objects.get(pk=theirs.pk).courier_id == rival.pk
    assert Order.objects.get(pk=mine.pk).status == OrderStatus.ASSIGNED
    screenshot(page, "grab-pool-phone-claimed")

    # The next refresh lists his new order under what he may hand back.
    page.evaluate("htmx.ajax('GET', location.pathname, {target: '#pool', swap: 'outerHTML'})")
    page.get_by_role("heading", name="派给您的").wait_for()
    assert (
        page.locator(f'li[data-order="{mine.pk}"]').get_by_role("button", name="退回").is_visible()
    )
    screenshot(page, "grab-pool-phone-refreshed")
