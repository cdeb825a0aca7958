"""A dispatcher assigns an order on the board at desktop size."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.fleet.services.positions import PositionData, positions_record_batch
from apps.orders.models import Order, OrderStatus
from apps.orders.services.lifecycle import order_assign
from apps.org.models import Role
from tests.browser.conftest import log_in, screenshot
from tests.factories import PASSWORD
from tests.fleet.conftest import DEPOT_LAT, DEPOT_LNG, make_fleet_world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("working_hours"),
]


def test_the_dispatcher_ticks_an_order_and_assigns_it_to_a_courier(
    live_server: Any, desktop_page: Any
) -> None:
    fw = make_fleet_world(couriers=3)
    waiting = [fw.order_near(quantity=2) for _ in range(4)]
    order_assign(order=fw.order_near(quantity=3), courier=fw.couriers[0], actor=fw.dispatcher)
    for index, courier in enumerate(fw.couriers):
        address = fw.address_near()
        positions_record_batch(
            courier=courier,
            positions=[
                PositionData(
                    address.latitude,
                    address.longitude,
                    timezone.now() - timedelta(minutes=2 + 10 * index),
                    15,
                )
            ],
        )
    chosen, courier = waiting[1], fw.couriers[1]

    page = desktop_page
    log_in(page, live_server.url, fw.team.users[Role.DISPATCHER].username, PASSWORD)
    page.goto(f"{live_server.url}/fleet/board/")
    expect(page.locator("#board-map .order-marker")).to_have_count(5)
    expect(page.locator("#board-map .courier-pin")).to_have_count(3)
    pool = page.locator('#board-pool [data-group="pending"]')
    expect(pool.locator(".board-order")).to_have_count(4)
    screenshot(page, "fleet-board")

    page.locator(f"#pick-{chosen.pk}").check()
    page.locator("#board-courier").select_option(str(courier.pk))
    page.locator("#assign-button").click()
    page.wait_for_load_state("networkidle")

    expect(page.locator(".message.success")).to_contain_text(courier.user.display_name)
    group = page.locator(f'#board-pool [data-group="courier-{courier.pk}"]')
    expect(group.locator(f'[data-order="{chosen.pk}"]')).to_be_visible()
    expect(pool.locator(".board-order")).to_have_count(3)
    expect(
        page.locator(f'#board-map .order-marker.st-assigned[data-order="{chosen.pk}"]')
    ).to_have_count(1)
    screenshot(page, "fleet-board-assigned")
    chosen.refresh_from_db()
    assert (chosen.status, chosen.courier_id) == (OrderStatus.ASSIGNED, courier.pk)
    assert Order.objects.filter(status=OrderStatus.PENDING).count() == 3


def test_the_dispatcher_drags_an_order_onto_a_courier(live_server: Any, desktop_page: Any) -> None:
    fw = make_fleet_world(couriers=2)
    order = fw.order_near(quantity=1)
    courier = fw.couriers[1]

    page = desktop_page
    log_in(page, live_server.url, fw.team.users[Role.DISPATCHER].username, PASSWORD)
    page.goto(f"{live_server.url}/fleet/board/")
    source = page.locator(f'#board-pool [data-group="pending"] [data-order="{order.pk}"]')
    page.drag_and_drop(
        f'#board-pool [data-group="pending"] [data-order="{order.pk}"]',
        f'#board-couriers tr[data-courier="{courier.pk}"]',
    )
    page.wait_for_load_state("networkidle")

    expect(page.locator(".message.success")).to_contain_text(courier.user.display_name)
    expect(source).to_have_count(0)
    order.refresh_from_db()
    assert (order.status, order.courier_id) == (OrderStatus.ASSIGNED, courier.pk)


def test_the_dispatcher_drops_the_ticked_orders_onto_a_courier_on_the_map(
    live_server: Any, desktop_page: Any
) -> None:
    fw = make_fleet_world(couriers=2)
    ticked = [fw.order_near(quantity=1) for _ in range(2)]
    untouched = fw.order_near(quantity=1)
    for index, courier in enumerate(fw.couriers):
        address = fw.address_near(km=1.0 + index)
        assert address.latitude is not None and address.longitude is not None
        positions_record_batch(
            courier=courier,
            positions=[
                PositionData(
                    address.latitude, address.longitude, timezone.now() - timedelta(minutes=1), 10
                )
            ],
        )
    courier = fw.couriers[1]

    page = desktop_page
    log_in(page, live_server.url, fw.team.users[Role.DISPATCHER].username, PASSWORD)
    page.goto(f"{live_server.url}/fleet/board/")
    marker = page.locator(f'#board-map .courier-drop[data-courier="{courier.pk}"]')
    expect(marker).to_have_count(1)
    for order in ticked:
        page.locator(f"#pick-{order.pk}").check()
    page.drag_and_drop(
        f'#board-pool [data-group="pending"] [data-order="{ticked[0].pk}"]',
        f'#board-map .courier-drop[data-courier="{courier.pk}"]',
    )
    page.wait_for_load_state("networkidle")

    expect(page.locator(".message.success")).to_contain_text(courier.user.display_name)
    group = page.locator(f'#board-pool [data-group="courier-{courier.pk}"]')
    for order in ticked:
        expect(group.locator(f'[data-order="{order.pk}"]')).to_be_visible()
    screenshot(page, "fleet-board-dropped-on-map")
    for order in ticked:
        order.refresh_from_db()
        assert (order.status, order.courier_id) == (OrderStatus.ASSIGNED, courier.pk)
    untouched.refresh_from_db()
    assert (untouched.status, untouched.courier_id) == (OrderStatus.PENDING, None)


def test_couriers_at_one_place_are_spread_round_the_depot_and_let_clicks_through(
    live_server: Any, desktop_page: Any
) -> None:
    fw = make_fleet_world(couriers=4)
    for courier in fw.couriers:
        positions_record_batch(
            courier=courier,
            positions=[PositionData(DEPOT_LAT, DEPOT_LNG, timezone.now(), 10)],
        )
    fw.order_near(quantity=1)

    page = desktop_page
    log_in(page, live_server.url, fw.team.users[Role.DISPATCHER].username, PASSWORD)
    page.goto(f"{live_server.url}/fleet/board/")
    pins = page.locator("#board-map .courier-pin")
    expect(pins).to_have_count(4)
    screenshot(page, "fleet-board-couriers-at-the-depot")

    boxes = [pins.nth(i).bounding_box() for i in range(4)]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not overlap(a, b), f"{a} overlaps {b}"
    depot = page.locator("#board-map .depot-pin.current").bounding_box()
    assert all(not overlap(depot, box) for box in boxes)
    assert on_top(page, depot, ".depot-pin")
    for i in range(4):
        label = page.locator("#board-map .courier-name").nth(i).bounding_box()
        assert not on_top(page, label, ".courier-name")


def test_the_maps_own_words_are_in_chinese(live_server: Any, desktop_page: Any) -> None:
    fw = make_fleet_world(couriers=1)
    page = desktop_page
    log_in(page, live_server.url, fw.team.users[Role.DISPATCHER].username, PASSWORD)
    page.goto(f"{live_server.url}/fleet/board/")

    expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "放大")
    expect(page.locator(".leaflet-control-zoom-out")).to_have_attribute("title", "缩小")
    leaflet = page.locator(".leaflet-control-attribution a[href='https://leafletjs.com']")
    expect(leaflet).to_have_attribute("title", "用于交互式地图的 JavaScript 库")
    assert "JavaScript library" not in page.content()


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def on_top(page: Any, box: dict[str, float], selector: str) -> bool:
    """Whether a click at the middle of the box lands on an element matching the selector."""
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    return bool(
        page.evaluate(
            "([x, y, sel]) => { const e = document.elementFromPoint(x, y);"
            " return !!(e && e.closest(sel)); }",
            [x, y, selector],
        )
    )
