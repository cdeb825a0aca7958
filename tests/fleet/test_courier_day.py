"""The courier's day on the server: actions once only, conflicts kept, money and goods in the ledger."""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from apps.fleet.commission import courier_commission_fen
from apps.fleet.models import (
    CommissionSettings,
    CourierAction,
    CourierActionOutcome,
    DeliveryPhoto,
    HandoverConfirmation,
    ShiftStatus,
)
from apps.fleet.selectors.board import board_get
from apps.fleet.selectors.courier import courier_day, courier_handover
from apps.fleet.services.courier import StopAction, courier_action_apply, shift_start_with_load
from apps.ledger.models import Account, AccountKind
from apps.ledger.services import stock_receive, tickets_sell
from apps.orders.models import Order, OrderEvent, OrderStatus
from apps.orders.public import delivery_code
from apps.orders.services.lifecycle import order_assign, order_cancel
from tests.fleet.conftest import FleetWorld

pytestmark = pytest.mark.django_db


def _assigned(fw: FleetWorld, courier, **fields) -> Order:  # type: ignore[no-untyped-def]
    order = fw.order_near(**fields)
    return order_assign(order=order, courier=courier, actor=fw.dispatcher)


def _apply(courier, order: Order, kind: str, key: str, **payload):  # type: ignore[no-untyped-def]
    action = StopAction(key=key, kind=kind, order_id=order.pk, payload=payload)
    return courier_action_apply(courier=courier, action=action, user=courier.user)


def _balance(courier, kind: str) -> int:  # type: ignore[no-untyped-def]
    return sum(a.display_balance for a in Account.objects.filter(courier=courier, kind=kind))


def _stocked(fw: FleetWorld, quantity: int = 40) -> None:
    stock_receive(
        company=fw.company, key="receive", depot=fw.depot, product=fw.water, quantity=quantity
    )


def _png_data_url() -> str:
    out = io.BytesIO()
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make: must not survive
    image.save(out, "JPEG", exif=exif)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


def test_starting_the_shift_loads_the_vehicle_from_the_depot(fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    shift = fw.shifts[0]
    shift.status = ShiftStatus.PLANNED
    shift.save()
    _stocked(fw)
    shift_start_with_load(shift=shift, load={fw.water: 12}, user=courier.user)
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.ON
    assert _balance(courier, AccountKind.VEHICLE_STOCK) == 12
    assert courier_day(courier=courier, day=timezone.localdate()).onboard.goods_total == 12


def test_a_delivery_paid_with_tickets_and_cash_settles_once(fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    order = _assigned(fw, courier, quantity=3)
    tickets_sell(
        company=fw.company, key="sell", customer=order.customer, package=fw.package, method="cash"
    )
    unit = order.lines.get().unit_price_fen + order.lines.get().surcharge_fen
    payload = {f"line_{order.lines.get().pk}": 3, f"tickets_{fw.tickets.pk}": 2}
    payload[f"empties_{fw.bucket.pk}"] = 2
    payload["cash_given"] = "200"
    first = _apply(courier, order, "deliver", "k1", **payload)
    again = _apply(courier, order, "deliver", "k1", **payload)
    assert first.applied and again.applied
    assert first.change_fen == 20000 - unit - order.deposit_fen
    assert again.change_fen == first.change_fen
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert CourierAction.objects.filter(courier=courier).count() == 1
    assert _balance(courier, AccountKind.COURIER_CASH) == unit + order.deposit_fen
    assert _balance(courier, AccountKind.COURIER_TICKETS) == 2
    assert _balance(courier, AccountKind.COURIER_EMPTIES) == 2
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.DELIVERED).count() == 1


def test_a_delivery_recorded_offline_keeps_the_time_it_happened(fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    order = _assigned(fw, courier)
    earlier = timezone.now() - timedelta(minutes=40)
    action = StopAction(
        key="offline-1",
        kind="deliver",
        order_id=order.pk,
        payload={},
        occurred_at=earlier,
        latitude=Decimal("30.27"),
        longitude=Decimal("120.15"),
    )
    assert courier_action_apply(courier=courier, action=action, user=courier.user).applied
    order.refresh_from_db()
    assert order.delivered_at == earlier
    assert order.settlement is not None and order.settlement.occurred_at == earlier
    assert OrderEvent.objects.get(order=order, to_status=OrderStatus.DELIVERED).at == earlier
    assert courier.positions.filter(recorded_at=earlier).exists()


def test_scan_wallet_and_credit_more_than_due_are_refused_and_change_nothing(
    fw: FleetWorld,
) -> None:
    courier = fw.couriers[0]
    order = _assigned(fw, courier)
    result = _apply(courier, order, "deliver", "k2", scan="9999")
    assert result.outcome == CourierActionOutcome.REFUSED
    assert "more than" in result.message or "超过" in result.message
    order.refresh_from_db()
    assert order.status == OrderStatus.ASSIGNED
    assert _balance(courier, AccountKind.COURIER_CASH) == 0


def test_a_wrong_delivery_code_is_refused_and_the_right_one_is_kept_as_proof(
    fw: FleetWorld,
) -> None:
    courier = fw.couriers[0]
    order = _assigned(fw, courier)
    wrong = "0000" if delivery_code(order) != "0000" else "1111"
    assert not _apply(courier, order, "deliver", "k3", code=wrong).applied
    assert _apply(courier, order, "deliver", "k4", code=delivery_code(order)).applied
    order.refresh_from_db()
    assert order.proof == {"code": True}


def test_a_proof_photo_is_stored_without_its_metadata(fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    order = _assigned(fw, courier)
    assert _apply(courier, order, "deliver", "k5", photo=_png_data_url()).applied
    photo = DeliveryPhoto.objects.get(order=order, purpose=DeliveryPhoto.Purpose.PROOF)
    with photo.image.open("rb") as file, Image.open(file) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif()
    order.refresh_from_db()
    response = Client().get(order.proof["photo"])
    assert response.status_code == 200


def test_a_picture_that_is_not_an_image_is_refused(fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    order = _assigned(fw, courier)
    fake = "data:image/png;base64," + base64.b64encode(b"not an image").decode()
    result = _apply(courier, order, "deliver", "k6", photo=fake)
    assert not result.applied
    assert not DeliveryPhoto.objects.exists()


def test_a_failed_stop_records_the_reason_and_goes_to_the_dispatcher(fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    order = _assigned(fw, courier)
    assert _apply(courier, order, "fail", "k7", reason="not_home").applied
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    assert order.fail_reason == "not_home"
    assert not _apply(courier, _assigned(fw, courier), "fail", "k8", reason="other").applied


def test_an_action_on_an_order_reassigned_meanwhile_is_kept_as_a_conflict(
    fw: FleetWorld,
) -> None:
    mine, other = fw.couriers[0], fw.couriers[1]
    order = _assigned(fw, mine)
    order_assign(order=order, courier=other, actor=fw.dispatcher)
    result = _apply(mine, order, "deliver", "k9")
    assert result.outcome == CourierActionOutcome.CONFLICT
    order.refresh_from_db()
    assert order.status == OrderStatus.ASSIGNED and order.courier == other
    day = courier_day(courier=mine, day=timezone.localdate())
    assert [a.key for a in day.problems] == ["k9"]
    assert _apply(mine, order, "deliver", "k9").outcome == CourierActionOutcome.CONFLICT
    assert CourierAction.objects.filter(key="k9").count() == 1
    board = board_get(company=fw.company, depot=fw.depot)
    assert [a.key for a in board.unrecorded] == ["k9"]


def test_an_action_on_a_cancelled_order_is_a_conflict(fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    order = _assigned(fw, courier)
    order_cancel(order=order, reason="changed_mind", actor=fw.dispatcher)
    assert _apply(courier, order, "arrive", "k10").outcome == CourierActionOutcome.CONFLICT


def test_another_companys_order_is_not_found(fw: FleetWorld, other_team) -> None:  # type: ignore[no-untyped-def]
    from tests.fleet.conftest import make_fleet_world

    foreign = make_fleet_world(other_team)
    order = _assigned(foreign, foreign.couriers[0])
    result = _apply(fw.couriers[0], order, "deliver", "k11")
    assert result.outcome == CourierActionOutcome.REFUSED
    order.refresh_from_db()
    assert order.status == OrderStatus.ASSIGNED
    assert not CourierAction.objects.filter(order=order).exists()


def test_the_day_lists_stops_with_what_to_collect(fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    order = _assigned(fw, courier, quantity=2)
    day = courier_day(courier=courier, day=timezone.localdate())
    [stop] = day.stops
    assert stop.order == order
    assert stop.amount_due_fen == order.total_fen
    assert stop.empties_expected == [(fw.bucket.name, 2)]
    assert [link.label for link in stop.links][:1] == ["高德地图"] or stop.links


def test_commission_counts_orders_units_and_floors(fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    CommissionSettings.objects.create(
        company=fw.company, per_order_fen=100, per_unit_fen=50, per_floor_fen=20
    )
    order = _assigned(fw, courier, quantity=2)
    order.address.floor, order.address.has_elevator = 6, False
    order.address.save()
    assert _apply(courier, order, "deliver", "k12").applied
    today = timezone.localdate()
    # one order, two units, two units carried up five floors
    expected = 100 + 2 * 50 + 2 * 5 * 20
    assert (
        courier_commission_fen(company=fw.company, courier=courier, start=today, end=today)
        == expected
    )
    summary = courier_handover(courier=courier, day=today)
    assert summary.commission_fen == expected
    assert summary.figures.orders == 1 and summary.figures.units == 2


def test_the_action_endpoint_answers_each_action_in_order(fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    first, second = _assigned(fw, courier), _assigned(fw, courier)
    client = Client()
    client.force_login(courier.user)
    body = {
        "actions": [
            {
                "key": "a1",
                "kind": "arrive",
                "order": first.pk,
                "occurred_at": "2026-01-01T10:00:00+08:00",
            },
            {"key": "a2", "kind": "fail", "order": second.pk, "payload": {"reason": "bogus"}},
        ]
    }
    response = client.post(
        reverse("fleet:courier_actions"), json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["key"] for r in results] == ["a1", "a2"]
    assert results[0]["outcome"] == "applied"
    assert results[0]["order_status"] == OrderStatus.OUT_FOR_DELIVERY
    assert results[1]["outcome"] == "refused"
    bad = client.post(reverse("fleet:courier_actions"), "{}", content_type="application/json")
    assert bad.status_code == 400


def test_the_courier_confirms_his_hand_over_once(fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    client = Client()
    client.force_login(courier.user)
    assert _apply(courier, _assigned(fw, courier), "deliver", "k13").applied
    page = client.get(reverse("fleet:courier_handover"))
    assert page.status_code == 200
    client.post(reverse("fleet:courier_handover_confirm"))
    client.post(reverse("fleet:courier_handover_confirm"))
    confirmation = HandoverConfirmation.objects.get(courier=courier)
    assert confirmation.figures["deliveries"] == 1
    assert confirmation.figures["cash_fen"] == _balance(courier, AccountKind.COURIER_CASH)


def test_a_courier_cannot_open_another_couriers_stop(fw: FleetWorld) -> None:
    mine, other = fw.couriers[0], fw.couriers[1]
    order = _assigned(fw, other)
    client = Client()
    client.force_login(mine.user)
    assert client.get(reverse("fleet:courier_stop", args=[order.pk])).status_code == 404
    client.force_login(other.user)
    page = client.get(reverse("fleet:courier_stop", args=[order.pk]))
    assert page.status_code == 200
    assert order.customer.name in page.content.decode()


def test_the_customer_wants_something_else_and_the_order_is_priced_again(fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    order = _assigned(fw, courier, quantity=2)
    before = order.total_fen
    unit = order.lines.get().unit_price_fen + order.lines.get().surcharge_fen
    assert _apply(courier, order, "change", "c1", **{f"qty_{fw.water.pk}": 3}).applied
    order.refresh_from_db()
    assert [(line.product, line.quantity) for line in order.lines.all()] == [(fw.water, 3)]
    assert order.total_fen == before + unit
    assert OrderEvent.objects.filter(order=order, reason="lines").count() == 1
    assert _apply(courier, order, "deliver", "c2").applied
    assert _balance(courier, AccountKind.COURIER_CASH) == order.total_fen


def test_nothing_wanted_is_not_a_change(fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    order = _assigned(fw, courier, quantity=2)
    result = _apply(courier, order, "change", "c3", **{f"qty_{fw.water.pk}": 0})
    assert not result.applied
    assert order.lines.get().quantity == 2
