"""The dispatcher's board: map data, pool, couriers, exceptions, assigning, and its query count."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.fleet.models import (
    CourierPosition,
    GrabOffer,
    PlanStatus,
    RouteStop,
    Shift,
    ShiftStatus,
)
from apps.fleet.services.positions import PositionData, positions_record_batch
from apps.orders.models import FailReason, Order, OrderStatus
from apps.orders.services.lifecycle import order_assign, order_fail, order_start_delivery
from apps.org.models import Role, Skill
from tests.factories import DepotFactory
from tests.fleet.conftest import DEPOT_LAT, DEPOT_LNG, FleetWorld
from tests.orders.conftest import make_gas

pytestmark = pytest.mark.django_db


def _dispatcher(fw: FleetWorld) -> Client:
    return fw.team.client_for(Role.DISPATCHER)


def _board(fw: FleetWorld, client: Client | None = None, **headers: str) -> str:
    response = (client or _dispatcher(fw)).get(
        reverse("fleet:board"), {"depot": fw.depot.pk}, headers=headers
    )
    assert response.status_code == 200
    return response.content.decode()


def _data(fw: FleetWorld) -> dict[str, Any]:
    response = _dispatcher(fw).get(reverse("fleet:board_data"), {"depot": fw.depot.pk})
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def _seen(fw: FleetWorld, courier: Any, minutes_ago: float = 1) -> None:
    positions_record_batch(
        courier=courier,
        positions=[
            PositionData(DEPOT_LAT, DEPOT_LNG, timezone.now() - timedelta(minutes=minutes_ago), 10)
        ],
    )


def _section(page: str, element_id: str) -> str:
    return page.split(f'id="{element_id}"')[1].split("</section>")[0]


def _assign(fw: FleetWorld, orders: list[Order], courier: Any, **extra: Any) -> Any:
    return _dispatcher(fw).post(
        reverse("fleet:board_assign"),
        {
            "orders": [order.pk for order in orders],
            "courier": courier.pk if courier else "",
            "action": "assign",
            "depot": fw.depot.pk,
            **extra,
        },
        follow=True,
    )


def test_the_board_shows_todays_orders_and_couriers_with_their_load_and_last_position(
    fw: FleetWorld,
) -> None:
    waiting = fw.order_near(quantity=3)
    carried = order_assign(
        order=fw.order_near(quantity=5), courier=fw.couriers[0], actor=fw.dispatcher
    )
    _seen(fw, fw.couriers[0], minutes_ago=2)
    page = _board(fw)

    pool = _section(page, "board-pool")
    assert waiting.number in pool.split("courier-group")[0]
    assert carried.number in pool.split("courier-group")[1]
    assert f'value="{waiting.pk}"' in pool and 'form="board-form"' in pool
    couriers = _section(page, "board-couriers")
    row = couriers.split(f'data-courier="{fw.couriers[0].pk}"')[1].split("</tr>")[0]
    assert fw.couriers[0].user.display_name in row
    assert "在班" in row
    assert "5 / 12" in row  # five buckets on a twelve-bucket trike
    assert carried.number in row  # his next stop
    assert 'id="board-map"' in page and "js/board.js" in page


def test_the_map_data_places_orders_couriers_and_depots(fw: FleetWorld) -> None:
    waiting = fw.order_near()
    carried = order_assign(order=fw.order_near(), courier=fw.couriers[1], actor=fw.dispatcher)
    _seen(fw, fw.couriers[1])
    data = _data(fw)
    orders = {row["id"]: row for row in data["orders"]}
    assert orders[waiting.pk]["status"] == "pending"
    assert orders[carried.pk]["courier"] == fw.couriers[1].pk
    assert orders[waiting.pk]["lat"] == pytest.approx(float(waiting.address.latitude))
    assert waiting.number in orders[waiting.pk]["label"]
    assert [row["id"] for row in data["couriers"]] == [fw.couriers[1].pk]
    assert data["couriers"][0]["status"] == "on"
    assert data["depots"][0]["lat"] == pytest.approx(float(DEPOT_LAT))
    assert data["routes"] == []


def test_orders_of_another_depot_stay_off_the_board(fw: FleetWorld) -> None:
    elsewhere = DepotFactory(company=fw.company, name="城东站")
    other = fw.order_near(depot=elsewhere)
    here = fw.order_near()
    unplaced = fw.order_near()
    Order.objects.filter(pk=unplaced.pk).update(depot=None)
    ids = {row["id"] for row in _data(fw)["orders"]}
    assert here.pk in ids and unplaced.pk in ids
    assert other.pk not in ids


def test_a_published_route_is_drawn_and_gives_the_next_stop(fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    first, second, third = (fw.order_near() for _ in range(3))
    plan = fw.whole_day_plan(status=PlanStatus.PUBLISHED)
    for sequence, (order, trip) in enumerate([(second, 1), (first, 1), (third, 2)]):
        RouteStop.objects.create(
            plan=plan, order=order, courier=courier, trip=trip, sequence=sequence
        )
        order_assign(order=order, courier=courier, actor=fw.dispatcher)
    _seen(fw, courier)
    data = _data(fw)
    depot = [pytest.approx(float(DEPOT_LAT)), pytest.approx(float(DEPOT_LNG))]
    (route,) = data["routes"]
    assert route["courier"] == courier.pk
    points = route["points"]
    assert len(points) == 6  # depot, two stops, depot to reload, one stop, depot
    assert points[0] == depot and points[3] == depot and points[-1] == depot
    assert points[1][0] == pytest.approx(float(second.address.latitude))
    assert f"{second.number}" in data["couriers"][0]["label"]


def test_the_exceptions_panel_lists_what_needs_a_person(fw: FleetWorld) -> None:
    failed = order_start_delivery(
        order=order_assign(order=fw.order_near(), courier=fw.couriers[0], actor=fw.dispatcher),
        actor=fw.dispatcher,
    )
    failed = order_fail(order=failed, reason=FailReason.NOT_HOME, actor=fw.dispatcher)
    past = fw.order_near()
    Order.objects.filter(pk=past.pk).update(
        window_start=fw.hours_from_now(-3), window_end=fw.hours_from_now(-1)
    )
    behind = order_assign(order=fw.order_near(), courier=fw.couriers[1], actor=fw.dispatcher)
    Order.objects.filter(pk=behind.pk).update(
        eta_start=behind.window_end, eta_end=behind.window_end + timedelta(minutes=20)
    )
    forgotten = fw.order_near()
    Order.objects.filter(pk=forgotten.pk).update(
        status_changed_at=timezone.now() - timedelta(minutes=20)
    )
    fresh = fw.order_near()
    _seen(fw, fw.couriers[0], minutes_ago=25)
    _seen(fw, fw.couriers[1], minutes_ago=3)

    page = _board(fw)
    panel = _section(page, "board-exceptions")
    kinds = dict(re.findall(r'data-kind="(\w+)">(.*?)</ul>', panel, re.S))
    assert failed.number in kinds["failed"] and "客户不在家" in kinds["failed"]
    assert past.number in kinds["late"] and behind.number in kinds["late"]
    assert fw.couriers[0].user.display_name in kinds["quiet"]
    assert fw.couriers[1].user.display_name not in kinds["quiet"]
    assert forgotten.number in kinds["untaken"]
    assert fresh.number not in kinds["untaken"]
    assert fresh.number not in kinds["late"]


def test_a_courier_on_break_or_off_is_not_reported_silent(fw: FleetWorld) -> None:
    fw.shifts[0].status = ShiftStatus.BREAK
    fw.shifts[0].save()
    fw.shifts[1].status = ShiftStatus.ENDED
    fw.shifts[1].save()
    page = _board(fw)
    assert 'data-kind="quiet"' not in page
    couriers = _section(page, "board-couriers")
    assert "休息中" in couriers


def test_ticked_orders_are_assigned_to_the_chosen_courier(fw: FleetWorld) -> None:
    orders = [fw.order_near(), fw.order_near()]
    courier = fw.couriers[1]
    response = _assign(fw, orders, courier)
    assert response.redirect_chain[-1][0] == f"{reverse('fleet:board')}?depot={fw.depot.pk}"
    for order in orders:
        order.refresh_from_db()
        assert (order.status, order.courier_id) == (OrderStatus.ASSIGNED, courier.pk)
    assert f"已把 2 个订单派给 {courier.user.display_name}" in response.content.decode()
    group = _section(response.content.decode(), "board-pool").split(f'data-courier="{courier.pk}"')[
        1
    ]
    assert orders[0].number in group


def test_a_plain_assignment_warns_about_nothing(fw: FleetWorld) -> None:
    response = _assign(fw, [fw.order_near()], fw.couriers[0])
    assert 'class="message warning"' not in response.content.decode()


def test_assigning_to_a_courier_whose_shift_ends_before_the_window_warns_but_assigns(
    fw: FleetWorld,
) -> None:
    courier = fw.couriers[0]
    Shift.objects.filter(courier=courier).update(ends_at=time(13))
    order = fw.order_near(window=(fw.today_at(14), fw.today_at(16)))

    response = _assign(fw, [order], courier)

    warning = response.content.decode().split('class="message warning"')[1].split("</li>")[0]
    assert order.number in warning and "13:00" in warning and "下班" in warning
    order.refresh_from_db()
    assert order.courier_id == courier.pk


def test_assigning_to_a_courier_of_another_depot_warns_but_assigns(fw: FleetWorld) -> None:
    courier = fw.couriers[1]
    elsewhere = DepotFactory(company=fw.company, name="城西站")
    Shift.objects.filter(courier=courier).update(depot=elsewhere)
    order = fw.order_near()

    response = _assign(fw, [order], courier)

    warning = response.content.decode().split('class="message warning"')[1].split("</li>")[0]
    assert order.number in warning and "城西站" in warning
    order.refresh_from_db()
    assert order.courier_id == courier.pk


def test_the_board_links_to_route_planning_and_so_does_the_navigation(fw: FleetWorld) -> None:
    page = _board(fw)
    link = f'href="{reverse("fleet:plan_list")}"'
    assert link in page.split('class="board-links"')[1].split("</div>")[0]
    assert link in page.split('class="sidebar"')[1].split("</nav>")[0]
    assert "路线规划" in page.split('class="sidebar"')[1].split("</nav>")[0]


def test_a_refused_order_is_named_and_the_others_are_still_assigned(fw: FleetWorld) -> None:
    gas_order = fw.order_near(product=make_gas(fw.ow), quantity=1)
    water = fw.order_near()
    response = _assign(fw, [gas_order, water], fw.couriers[0])
    text = response.content.decode()
    assert f"{gas_order.number}：" in text
    assert str(Skill.GAS_CERTIFIED.label) in text
    gas_order.refresh_from_db()
    water.refresh_from_db()
    assert gas_order.status == OrderStatus.PENDING
    assert water.courier_id == fw.couriers[0].pk


def test_assigned_orders_are_reassigned_and_put_back(fw: FleetWorld) -> None:
    order = order_assign(order=fw.order_near(), courier=fw.couriers[0], actor=fw.dispatcher)
    _assign(fw, [order], fw.couriers[1])
    order.refresh_from_db()
    assert order.courier_id == fw.couriers[1].pk
    response = _assign(fw, [order], None, action="unassign")
    order.refresh_from_db()
    assert (order.status, order.courier_id) == (OrderStatus.PENDING, None)
    assert "1 个订单已退回待派" in response.content.decode()


def test_assigning_without_a_courier_or_orders_changes_nothing(fw: FleetWorld) -> None:
    order = fw.order_near()
    response = _assign(fw, [order], None)
    assert "请选择配送员" in response.content.decode()
    response = _assign(fw, [], fw.couriers[0])
    assert "请先勾选订单" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_another_companys_order_or_courier_cannot_be_used(fw: FleetWorld, other_team: Any) -> None:
    from tests.fleet.conftest import make_fleet_world

    theirs = make_fleet_world(other_team)
    their_order = theirs.order_near()
    mine = fw.order_near()
    _assign(fw, [their_order], fw.couriers[0])
    _assign(fw, [mine], theirs.couriers[0])
    their_order.refresh_from_db()
    mine.refresh_from_db()
    assert their_order.status == mine.status == OrderStatus.PENDING
    response = _dispatcher(fw).get(reverse("fleet:board"), {"depot": theirs.depot.pk})
    assert response.status_code == 404


def test_the_live_refresh_answers_only_the_lists_and_pauses_while_orders_are_ticked(
    fw: FleetWorld,
) -> None:
    order = fw.order_near()
    full = _board(fw)
    assert "every 15s [!document.querySelector('#board-live input[name=orders]:checked')]" in full
    part = _board(fw, **{"HX-Request": "true"})
    assert part.lstrip().startswith('<div id="board-live"')
    assert order.number in part
    assert "<html" not in part and 'id="board-map"' not in part


def test_the_board_costs_the_same_queries_for_few_or_many_orders(fw: FleetWorld) -> None:
    client = _dispatcher(fw)
    client.get(reverse("fleet:board"))  # warm the session

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("fleet:board"), {"depot": fw.depot.pk}).status_code == 200
        with CaptureQueriesContext(connection) as data:
            assert (
                client.get(reverse("fleet:board_data"), {"depot": fw.depot.pk}).status_code == 200
            )
        return len(page), len(data)

    order_assign(order=fw.order_near(), courier=fw.couriers[0], actor=fw.dispatcher)
    fw.order_near()
    _seen(fw, fw.couriers[0])
    few = count()
    for _ in range(3):
        fw.add_courier()
    for index in range(20):
        order = fw.order_near(quantity=1 + index % 3)
        if index % 2:
            order_assign(order=order, courier=fw.couriers[index % 5], actor=fw.dispatcher)
    for courier in fw.couriers:
        _seen(fw, courier, minutes_ago=4)
    many = count()
    assert few == many
    assert many[0] <= 18 and many[1] <= 16


def test_positions_are_shown_not_older_history(fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    _seen(fw, courier, minutes_ago=30)
    positions_record_batch(
        courier=courier,
        positions=[PositionData("30.290000", "120.170000", timezone.now() - timedelta(minutes=1))],
    )
    assert CourierPosition.objects.filter(courier=courier).count() == 2
    (shown,) = _data(fw)["couriers"]
    assert (shown["lat"], shown["lng"]) == (30.29, 120.17)


def test_an_order_offered_in_the_grab_pool_says_so_until_when(fw: FleetWorld) -> None:
    offered, plain = fw.order_near(), fw.order_near()
    now = timezone.now()
    GrabOffer.objects.create(
        company=fw.company,
        order=offered,
        depot=fw.depot,
        offered_at=now,
        expires_at=now + timedelta(minutes=5),
    )
    pool = _section(_board(fw), "board-pool")
    row = pool.split(f'data-order="{offered.pk}"')[1].split("</li>")[0]
    until = timezone.localtime(now + timedelta(minutes=5)).strftime("%H:%M")
    assert f"抢单池开放至 {until}" in row
    assert "抢单池" not in pool.split(f'data-order="{plain.pk}"')[1].split("</li>")[0]


def test_without_a_depot_the_board_asks_for_one(fw: FleetWorld) -> None:
    type(fw.depot).objects.filter(company=fw.company).update(is_active=False)
    client = _dispatcher(fw)
    page = client.get(reverse("fleet:board")).content.decode()
    assert "请先添加站点" in page
    assert client.get(reverse("fleet:board_data")).json()["orders"] == []


def test_an_order_the_published_plan_left_out_waits_in_the_pool_saying_why(
    fw: FleetWorld,
) -> None:
    from apps.fleet.services.planning import (
        REMOVED_BY_HAND,
        drop_reason_label,
        route_plan_compute,
        route_plan_publish,
        route_stop_move,
    )

    courier = fw.couriers[0]
    order = fw.order_near(window=(fw.today_at(11), fw.today_at(13)))
    order_assign(order=order, courier=courier, actor=fw.dispatcher)
    plan = fw.whole_day_plan(time_limit_s=1)
    plan = route_plan_compute(plan_id=plan.pk)
    stop = RouteStop.objects.get(plan=plan, order=order)
    route_stop_move(plan=plan, stop=stop, courier=None, position=1)

    route_plan_publish(plan=plan, actor=fw.dispatcher)

    order.refresh_from_db()
    assert (order.status, order.courier) == (OrderStatus.PENDING, None)
    html = _board(fw)
    pool = html.split('data-group="pending"')[1].split("</ul>")[0]
    assert f'data-order="{order.pk}"' in pool
    assert "路线规划未安排" in pool
    assert str(drop_reason_label(REMOVED_BY_HAND)) in pool
