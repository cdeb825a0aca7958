"""Courier colours: his own, stable, the same on the board and the plan page, never a status colour."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.fleet.colours import COURIER_PALETTE, ORDER_STATUS_COLOURS, courier_colour
from apps.fleet.models import CourierRoute, Shift, ShiftStatus
from apps.fleet.services.positions import PositionData, positions_record_batch
from apps.org.models import Role
from tests.fleet.conftest import FleetWorld
from tests.fleet.test_planning_adjust import planned

BOARD_JS = Path(settings.BASE_DIR) / "static" / "js" / "board.js"


def _lab(colour: str) -> tuple[float, float, float]:
    """CIE L*a*b* of an sRGB colour (D65)."""

    def linear(c: float) -> float:
        return ((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92

    r, g, b = (linear(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(v: float) -> float:
        return v ** (1 / 3) if v > 0.008856 else 7.787 * v + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(a: str, b: str) -> float:
    return float(sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b), strict=True)) ** 0.5)


def test_no_courier_colour_is_close_to_an_order_status_colour_or_to_another() -> None:
    for colour in COURIER_PALETTE:
        for status, fill in ORDER_STATUS_COLOURS.items():
            assert delta_e(colour, fill) > 30, f"{colour} looks like {status} ({fill})"
    for i, a in enumerate(COURIER_PALETTE):
        for b in COURIER_PALETTE[i + 1 :]:
            assert delta_e(a, b) > 25, f"{a} and {b} look alike"


def test_the_board_script_draws_the_statuses_in_the_same_colours() -> None:
    block = BOARD_JS.read_text().split("STATUS_COLOURS = {")[1].split("}")[0]
    drawn = dict(re.findall(r'(\w+): "(#[0-9a-f]{6})"', block))
    assert drawn == ORDER_STATUS_COLOURS


@pytest.mark.django_db
def test_a_courier_keeps_his_colour_when_statuses_change_and_on_the_plan_page(
    fw: FleetWorld,
) -> None:
    client = fw.team.client_for(Role.DISPATCHER)

    def board_colours() -> dict[int, str]:
        data = client.get(reverse("fleet:board_data"), {"depot": fw.depot.pk}).json()
        return {c["id"]: c["colour"] for c in data["couriers"]}

    expected = {c.pk: courier_colour(c.pk) for c in fw.couriers}
    assert len(set(expected.values())) == len(expected)
    for courier in fw.couriers:
        positions_record_batch(
            courier=courier,
            positions=[PositionData(fw.depot.latitude, fw.depot.longitude, timezone.now(), 10)],
        )
    before = board_colours()
    Shift.objects.filter(courier=fw.couriers[0]).update(status=ShiftStatus.BREAK)
    after = board_colours()
    assert before == after == {pk: expected[pk] for pk in before} and before

    plan = planned(fw, orders=3)
    page = client.get(reverse("fleet:plan_detail", args=[plan.pk])).content.decode()
    for route in CourierRoute.objects.filter(plan=plan):
        assert f'id="route-{route.courier_id}"' in page
        card = page.split(f'id="route-{route.courier_id}"')[1].split(">")[0]
        assert f"--route-colour: {courier_colour(route.courier_id)}" in card
