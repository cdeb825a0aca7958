from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from apps.customers.models import Address
from apps.customers.services.customers import AddressData, customer_create
from apps.org.models import Role
from tests.browser.conftest import log_in, screenshot
from tests.conftest import Team, make_team
from tests.factories import PASSWORD, DepotFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _world() -> tuple[Team, Any]:
    team = make_team("清泉水站")
    DepotFactory(company=team.company, name="文三路站")
    for n in range(30):
        customer_create(
            company=team.company,
            name=f"客户{n:02d}",
            phones=[f"1380000{n:04d}"],
            address=AddressData(
                street=f"文二路 {n} 号", latitude=Decimal("30.28"), longitude=Decimal("120.13")
            ),
        )
    wang = customer_create(
        company=team.company,
        name="王芳",
        phones=["13906715502"],
        address=AddressData(
            street="文三路 88 号",
            community="翠苑一区",
            floor=5,
            latitude=Decimal("30.277300"),
            longitude=Decimal("120.133900"),
        ),
    )
    return team, wang


def test_a_dispatcher_types_5502_and_lands_on_the_customer(
    live_server: Any, desktop_page: Any
) -> None:
    team, wang = _world()
    page = desktop_page
    log_in(page, live_server.url, team.users[Role.DISPATCHER].username, PASSWORD)
    page.goto(f"{live_server.url}/customers/")
    page.get_by_role("searchbox").press_sequentially("5502", delay=40)
    expect(page.locator("#results .hit")).to_have_count(1)
    assert "王芳" in page.locator("#results .hit").inner_text()
    screenshot(page, "customers-search-5502")
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url(f"**/customers/{wang.pk}/")
    assert "文三路 88 号" in page.content()
    assert page.locator("#customer-map .leaflet-marker-icon").count() == 1


def test_a_dispatcher_moves_the_pin_of_an_address(live_server: Any, desktop_page: Any) -> None:
    team, wang = _world()
    address = wang.addresses.get()
    page = desktop_page
    log_in(page, live_server.url, team.users[Role.DISPATCHER].username, PASSWORD)
    page.goto(f"{live_server.url}/customers/{wang.pk}/addresses/{address.pk}/")
    map_box = page.locator("#address-map")
    map_box.wait_for()
    page.wait_for_function("document.querySelector('#address-map .leaflet-marker-icon') !== null")
    box = map_box.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.3)
    new_lat = page.input_value("#id_latitude")
    assert new_lat and new_lat != "30.277300"
    screenshot(page, "customers-address-pin")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"**/customers/{wang.pk}/")
    stored = Address.objects.get(pk=address.pk)
    assert str(stored.latitude) == new_lat
    assert stored.coordinate_source == "pin"
