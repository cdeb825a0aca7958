"""A dispatcher changes a milk calendar at the desk; the customer pauses from his phone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from apps.subscriptions.models import CalendarChange, ChangeChannel
from apps.subscriptions.public import self_service_path
from tests.browser.conftest import log_in, screenshot
from tests.conftest import make_team
from tests.factories import PASSWORD
from tests.ledger.conftest import lifted_sqlite_guards
from tests.subscriptions.conftest import make_dairy, tomorrow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["lifted_sqlite_guards"]


def test_the_dispatcher_swaps_a_day_on_the_month_calendar(
    live_server: Any, desktop_page: Any, lifted_sqlite_guards: None, working_hours: None
) -> None:
    dairy = make_dairy(make_team())
    subscription = dairy.sell()
    page = desktop_page
    log_in(page, live_server.url, dairy.dispatcher.username, PASSWORD)
    page.goto(f"{live_server.url}/subscriptions/{subscription.pk}/?month={tomorrow():%Y-%m}")
    expect(page.locator(f'td[data-day="{tomorrow().isoformat()}"]')).to_contain_text("× 1")

    page.locator("#id_kind").select_option("swap")
    page.locator("#id_day").fill(tomorrow().isoformat())
    page.locator("#id_product").select_option(label=str(dairy.yoghurt))
    page.locator(".sub-change-form button").click()

    day = page.locator(f'td[data-day="{tomorrow().isoformat()}"]')
    expect(day).to_contain_text("酸奶")
    screenshot(page, "subscriptions-calendar")
    change = CalendarChange.objects.get()
    assert (change.kind, change.product, change.actor) == ("swap", dairy.yoghurt, dairy.dispatcher)


def test_the_customer_pauses_three_days_from_his_phone(
    live_server: Any, phone_page: Any, lifted_sqlite_guards: None, working_hours: None
) -> None:
    dairy = make_dairy(make_team())
    subscription = dairy.sell()
    page = phone_page
    first = tomorrow() + timedelta(days=1)
    page.goto(f"{live_server.url}{self_service_path(subscription)}?month={first:%Y-%m}")
    expect(page.get_by_role("heading", name=dairy.plan.name)).to_be_visible()

    page.locator("#id_kind").select_option("pause")
    page.locator("#id_day").fill(first.isoformat())
    page.locator("#id_until").fill((first + timedelta(days=2)).isoformat())
    page.locator(".sub-change-form button").click()

    expect(page.locator(".callout")).to_be_visible()
    expect(page.locator(f'td[data-day="{first.isoformat()}"]')).not_to_contain_text("×")
    screenshot(page, "subscriptions-self-service-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    change = CalendarChange.objects.get()
    assert (change.kind, change.day, change.until, change.channel) == (
        "pause",
        first,
        first + timedelta(days=2),
        ChangeChannel.SELF_SERVICE,
    )
    assert change.subscription_id == subscription.pk
