"""A courier's whole day on his phone: load-out, deliveries, a failure, a claim, no signal, hand-over."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from apps.fleet.models import (
    CourierAction,
    CourierPosition,
    DeliveryPhoto,
    DispatchPolicy,
    DispatchSettings,
    HandoverConfirmation,
    ShiftStatus,
)
from apps.fleet.selectors.courier import courier_onboard
from apps.ledger.models import Account, AccountKind
from apps.ledger.services import stock_receive, tickets_sell
from apps.orders.models import Order, OrderEvent, OrderStatus
from apps.orders.services.lifecycle import order_assign
from tests.browser.conftest import log_in, screenshot
from tests.factories import PASSWORD
from tests.fleet.conftest import DEPOT_LAT, DEPOT_LNG, make_fleet_world
from tests.ledger.conftest import lifted_sqlite_guards

__all__ = ["lifted_sqlite_guards"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("working_hours"),
]


ANDROID = {"width": 360, "height": 760}
IPHONE = {"width": 390, "height": 844}


@pytest.fixture(params=[ANDROID, IPHONE], ids=["android", "iphone"])
def courier_phone(browser: Any, working_hours: None, request: Any) -> Iterator[Any]:
    """A phone that lets the page read a fixed position near the depot."""
    context = browser.new_context(
        viewport=request.param,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale="zh-CN",
        geolocation={"latitude": float(DEPOT_LAT), "longitude": float(DEPOT_LNG)},
        permissions=["geolocation"],
    )
    # The page's clock reads the test's fixed time, as the server does.
    context.clock.set_fixed_time(timezone.now())
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _cash(courier: Any) -> int:
    return courier_onboard(courier=courier).cash_fen


def _open_stop(page: Any, base: str, order: Order) -> None:
    page.goto(f"{base}{reverse('fleet:courier_stop', args=[order.pk])}")
    page.locator("form.deliver").wait_for()


def test_a_courier_does_his_whole_day_on_the_phone(
    live_server: Any, courier_phone: Any, lifted_sqlite_guards: None, tmp_path: Path
) -> None:
    fw = make_fleet_world()
    me = fw.couriers[0]
    shift = fw.shifts[0]
    shift.status = ShiftStatus.PLANNED
    shift.save()
    stock_receive(company=fw.company, key="in", depot=fw.depot, product=fw.water, quantity=50)
    paid, not_home, offline = (
        order_assign(order=fw.order_near(quantity=q), courier=me, actor=fw.dispatcher)
        for q in (3, 2, 1)
    )
    tickets_sell(
        company=fw.company, key="book", customer=paid.customer, package=fw.package, method="cash"
    )
    DispatchSettings.objects.create(
        company=fw.company, depot=fw.depot, policy=DispatchPolicy.GRAB, grab_radius_km=5
    )
    pooled = fw.order_near(quantity=2)
    page, base = courier_phone, live_server.url

    # Start the shift with ten buckets on board.
    log_in(page, base, me.user.username, PASSWORD)
    page.wait_for_url(f"**{reverse('fleet:courier_today')}")
    page.locator(f"input[name=load_{fw.water.pk}]").fill("10")
    page.get_by_role("button", name="开始上班").click()
    page.get_by_role("button", name="结束上班").wait_for()
    assert page.locator(".summary").inner_text().count("10") >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    size = page.viewport_size["width"]
    screenshot(page, f"courier-today-{size}")

    # The first stop: arrived, three buckets, two paid with tickets and one in cash, two empties.
    page.locator(f'li[data-number="{paid.number}"] a').click()
    page.get_by_role("button", name="已到达").click()
    page.get_by_text("配送中").wait_for()
    assert page.get_by_role("button", name="已到达").count() == 0
    page.locator(f"input[name=tickets_{fw.tickets.pk}]").fill("2")
    page.locator(f"input[name=empties_{fw.bucket.pk}]").fill("2")
    page.locator("input[name=cash_given]").fill("200")
    photo = tmp_path / "door.jpg"
    Image.new("RGB", (3000, 2000), "steelblue").save(photo, "JPEG")
    page.locator("form.deliver input[data-photo]").set_input_files(str(photo))
    page.wait_for_function("document.querySelector('form.deliver input[name=photo]').value")
    due = page.locator("p.due").inner_text()
    line = paid.lines.get()
    cash_due = line.unit_price_fen + line.surcharge_fen + paid.deposit_fen
    assert f"¥{cash_due / 100:.2f}" in due and f"¥{(20000 - cash_due) / 100:.2f}" in due
    screenshot(page, f"courier-stop-{size}")
    page.get_by_role("button", name="已送达").click()
    page.wait_for_url(f"**{reverse('fleet:courier_today')}")
    paid.refresh_from_db()
    assert paid.status == OrderStatus.DELIVERED
    assert _cash(me) == cash_due
    proof = DeliveryPhoto.objects.get(order=paid)
    with proof.image.open("rb") as file, Image.open(file) as stored:
        assert max(stored.size) <= 1600  # shrunk on the phone, kept small on the server
    # The phone reported where it was, from the fixed test position.
    assert CourierPosition.objects.filter(courier=me, latitude=DEPOT_LAT).exists()

    # The second stop: nobody home.
    _open_stop(page, base, not_home)
    page.locator("form.problem select[name=reason]").select_option("not_home")
    page.get_by_role("button", name="上报问题").click()
    page.wait_for_url(f"**{reverse('fleet:courier_today')}")
    not_home.refresh_from_db()
    assert not_home.status == OrderStatus.FAILED and not_home.fail_reason == "not_home"

    # Grab one order from the pool.
    page.get_by_role("link", name="抢单").click()
    page.locator(f'li[data-order="{pooled.pk}"]').get_by_role("button", name="抢单").click()
    page.get_by_text("已抢到", exact=True).wait_for()
    assert Order.objects.get(pk=pooled.pk).courier_id == me.pk

    # No signal in the basement: the delivery waits on the phone, then goes exactly once.
    _open_stop(page, base, offline)
    page.context.set_offline(True)
    page.get_by_role("button", name="已送达").click()
    page.get_by_text("1 个操作等待同步").wait_for()
    offline.refresh_from_db()
    assert offline.status == OrderStatus.ASSIGNED
    screenshot(page, f"courier-offline-{size}")
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_url(f"**{reverse('fleet:courier_today')}")
    offline.refresh_from_db()
    assert offline.status == OrderStatus.DELIVERED
    assert OrderEvent.objects.filter(order=offline, to_status=OrderStatus.DELIVERED).count() == 1
    assert CourierAction.objects.filter(order=offline, kind="deliver").count() == 1

    # End of the day: the hand-over adds up to what the ledger holds.
    page.get_by_role("button", name="结束上班").click()
    page.wait_for_url(f"**{reverse('fleet:courier_handover')}")
    cash = page.locator('[data-figure="cash"]').inner_text()
    assert cash == f"¥{_cash(me) / 100:.2f}"
    tickets = Account.objects.get(courier=me, kind=AccountKind.COURIER_TICKETS).display_balance
    assert tickets == 2
    assert page.locator('[data-figure="tickets"]').inner_text() == "2"
    assert page.locator('[data-figure="empties"]').inner_text() == "2"
    assert page.locator('[data-figure="deliveries"]').inner_text() == "2"
    assert page.locator('[data-figure="goods"]').inner_text() == "6"  # 10 loaded, 3 + 1 delivered
    screenshot(page, f"courier-handover-{size}")
    page.get_by_role("button", name="数字无误").click()
    page.get_by_text("您已在").wait_for()
    assert HandoverConfirmation.objects.get(courier=me).figures["cash_fen"] == _cash(me)
