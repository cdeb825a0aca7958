"""Adjusting a plan by hand before publishing, and ETAs that follow the courier."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from apps.fleet.models import CourierPosition, CourierRoute, PlanStatus, RoutePlan, RouteStop
from apps.fleet.services.eta import courier_etas_refresh
from apps.fleet.services.planning import (
    REMOVED_BY_HAND,
    PlanningError,
    route_plan_compute,
    route_plan_publish,
    route_stop_move,
)
from apps.orders.models import Order, OrderStatus
from apps.orders.services.eta import Eta, order_eta_set
from apps.orders.services.lifecycle import order_assign, order_start_delivery
from apps.org.models import Skill
from tests.fleet.conftest import FleetWorld
from tests.fleet.test_planning import for_tomorrow, order_tomorrow, start
from tests.orders.conftest import make_gas

pytestmark = pytest.mark.django_db


def planned(fw: FleetWorld, orders: int = 4) -> RoutePlan:
    for_tomorrow(fw)
    for n in range(orders):
        order_tomorrow(fw, 9 + n % 3, 12 + n % 3)
    return route_plan_compute(plan_id=start(fw).pk)


def stops_of(plan: RoutePlan, courier: Any) -> list[RouteStop]:
    return list(RouteStop.objects.filter(plan=plan, courier=courier).order_by("sequence"))


def test_a_stop_moves_to_the_position_asked_and_both_routes_are_timed_again(
    fw: FleetWorld,
) -> None:
    plan = planned(fw, orders=6)
    a, b = fw.couriers
    if len(stops_of(plan, a)) < len(stops_of(plan, b)):
        a, b = b, a
    moving = stops_of(plan, a)[-1]
    target = stops_of(plan, b)
    old_a = CourierRoute.objects.get(plan=plan, courier=a)

    route_stop_move(plan=plan, stop=moving, courier=b, position=2)

    after_b = stops_of(plan, b)
    assert [s.sequence for s in after_b] == list(range(1, len(target) + 2))
    assert after_b[1 if target else 0].pk == moving.pk
    after_a = stops_of(plan, a)
    assert moving.pk not in [s.pk for s in after_a]
    assert [s.sequence for s in after_a] == list(range(1, len(after_a) + 1))
    for stops in (after_a, after_b):
        times = [s.arrival_at for s in stops]
        assert times == sorted(times) and all(t is not None for t in times)
    new_a = CourierRoute.objects.get(plan=plan, courier=a)
    assert new_a.distance_m <= old_a.distance_m
    plan.refresh_from_db()
    routes = CourierRoute.objects.filter(plan=plan)
    assert plan.total_distance_m == sum(r.distance_m for r in routes)


def test_a_stop_taken_out_is_not_placed_and_can_be_put_back(fw: FleetWorld) -> None:
    plan = planned(fw)
    stop = RouteStop.objects.filter(plan=plan).exclude(courier=None).first()
    assert stop is not None
    courier = stop.courier

    route_stop_move(plan=plan, stop=stop, courier=None, position=1)
    stop.refresh_from_db()
    assert stop.courier is None and stop.dropped_reason == REMOVED_BY_HAND

    route_stop_move(plan=plan, stop=stop, courier=courier, position=99)
    stop.refresh_from_db()
    assert stop.courier == courier and stop.dropped_reason == ""
    assert stop.sequence == len(stops_of(plan, courier))  # at the end


def test_a_move_that_misses_a_window_is_made_with_a_warning(fw: FleetWorld) -> None:
    for_tomorrow(fw)
    early = order_tomorrow(fw, 8, 9)
    late = [order_tomorrow(fw, 8, 12) for _ in range(3)]
    plan = route_plan_compute(plan_id=start(fw).pk)
    stop = RouteStop.objects.get(plan=plan, order=early)
    others = [RouteStop.objects.get(plan=plan, order=o) for o in late]
    courier = fw.couriers[0]
    for n, other in enumerate(others, start=1):
        route_stop_move(plan=plan, stop=other, courier=courier, position=n)

    warnings = route_stop_move(plan=plan, stop=stop, courier=courier, position=4)

    assert any(early.number in w for w in warnings)
    stop.refresh_from_db()
    assert stop.courier == courier and stop.sequence == 4


def test_a_courier_without_the_skill_cannot_take_the_gas(fw: FleetWorld) -> None:
    certified = fw.add_courier(skills=[Skill.GAS_CERTIFIED])
    for_tomorrow(fw)
    gas = order_tomorrow(fw, product=make_gas(fw.ow), quantity=1)
    plan = route_plan_compute(plan_id=start(fw).pk)
    stop = RouteStop.objects.get(plan=plan, order=gas)
    assert stop.courier == certified

    with pytest.raises(PlanningError, match="技能"):
        route_stop_move(plan=plan, stop=stop, courier=fw.couriers[0], position=1)
    stop.refresh_from_db()
    assert stop.courier == certified


def test_an_order_out_for_delivery_stays_with_its_courier(fw: FleetWorld) -> None:
    for_tomorrow(fw)
    courier, other = fw.couriers
    order = order_tomorrow(fw)
    order_assign(order=order, courier=courier, actor=fw.dispatcher)
    order_start_delivery(order=order, actor=fw.dispatcher)
    plan = route_plan_compute(plan_id=start(fw).pk)
    stop = RouteStop.objects.get(plan=plan, order=order)

    with pytest.raises(PlanningError, match="配送中"):
        route_stop_move(plan=plan, stop=stop, courier=other, position=1)


def test_a_free_stop_cannot_jump_ahead_of_stops_already_under_way(fw: FleetWorld) -> None:
    for_tomorrow(fw)
    courier = fw.couriers[0]
    started = order_tomorrow(fw)
    order_assign(order=started, courier=courier, actor=fw.dispatcher)
    order_start_delivery(order=started, actor=fw.dispatcher)
    free = order_tomorrow(fw)
    plan = route_plan_compute(plan_id=start(fw).pk)
    stop = RouteStop.objects.get(plan=plan, order=free)

    route_stop_move(plan=plan, stop=stop, courier=courier, position=1)

    assert [s.order_id for s in stops_of(plan, courier)][:2] == [started.pk, free.pk]


def test_a_published_plan_cannot_be_changed(fw: FleetWorld) -> None:
    plan = planned(fw)
    route_plan_publish(plan=plan, actor=fw.dispatcher)
    stop = RouteStop.objects.filter(plan=plan).exclude(courier=None).first()
    assert stop is not None

    with pytest.raises(PlanningError, match="尚未发布"):
        route_stop_move(plan=plan, stop=stop, courier=None, position=1)


# --- ETAs -------------------------------------------------------------------------------


def published_today(fw: FleetWorld, count: int = 3) -> tuple[RoutePlan, list[RouteStop]]:
    """A published plan for today with hand-set times: stops every 20 minutes from now."""
    now = timezone.now()
    courier = fw.couriers[0]
    plan = fw.whole_day_plan(status=PlanStatus.PUBLISHED)
    CourierRoute.objects.create(plan=plan, courier=courier, vehicle=fw.vehicles[0], starts_at=now)
    stops = []
    for n in range(count):
        order = fw.order_near(window=(now - timedelta(hours=1), now + timedelta(hours=4)))
        order_assign(order=order, courier=courier, actor=fw.dispatcher)
        arrival = now + timedelta(minutes=20 * (n + 1))
        stops.append(
            RouteStop.objects.create(
                plan=plan,
                order=order,
                courier=courier,
                trip=1,
                sequence=n + 1,
                arrival_at=arrival,
                departure_at=arrival + timedelta(minutes=3),
            )
        )
    return plan, stops


def test_etas_keep_the_plan_while_the_courier_keeps_up(fw: FleetWorld) -> None:
    _, stops = published_today(fw)

    changed = courier_etas_refresh(courier=fw.couriers[0])

    assert changed == 3
    for stop in stops:
        order = Order.objects.get(pk=stop.order_id)
        assert order.eta_start == stop.arrival_at - timedelta(minutes=15)
        assert order.eta_end == stop.arrival_at + timedelta(minutes=15)


def test_etas_move_later_when_the_courier_is_far_behind_and_cost_a_few_queries(
    fw: FleetWorld, django_assert_max_num_queries: Any
) -> None:
    _, stops = published_today(fw)
    courier = fw.couriers[0]
    courier.refresh_from_db()
    CourierPosition.objects.create(
        company=fw.company,
        courier=courier,
        latitude=Decimal("30.400000"),  # some 14 km north of the depot, on a tricycle
        longitude=Decimal("120.155100"),
        recorded_at=timezone.now(),
    )

    # The stops, the position, then the ETAs read and written (in a savepoint here).
    with django_assert_max_num_queries(6):
        courier_etas_refresh(courier=courier)

    first = Order.objects.get(pk=stops[0].order_id)
    assert first.eta_start is not None
    assert first.eta_start > stops[0].arrival_at  # an hour's ride at 12 km/h
    etas = [Order.objects.get(pk=s.order_id).eta_start for s in stops]
    assert etas == sorted(etas)


def test_delivered_orders_drop_out_of_the_eta_refresh(fw: FleetWorld) -> None:
    _, stops = published_today(fw)
    Order.objects.filter(pk=stops[0].order_id).update(status=OrderStatus.CANCELLED)

    assert courier_etas_refresh(courier=fw.couriers[0]) == 2
    assert Order.objects.get(pk=stops[0].order_id).eta_start is None


def test_order_eta_set_touches_only_open_orders_of_the_company(fw: FleetWorld) -> None:
    order = fw.order_near()
    now = timezone.now()

    assert order_eta_set(company_id=fw.company.pk + 1000, etas=[Eta(order.pk, now, now)]) == 0
    assert order_eta_set(company_id=fw.company.pk, etas=[Eta(order.pk, now, now)]) == 1
    assert order_eta_set(company_id=fw.company.pk, etas=[Eta(order.pk, now, now)]) == 0


# --- demo -------------------------------------------------------------------------------


def test_the_demo_plans_and_publishes_todays_routes_once(fw: FleetWorld) -> None:
    from apps.fleet.demo_planning import seed_fleet_routes

    now = timezone.localtime()
    for _ in range(3):
        fw.order_near(window=(now, now + timedelta(hours=3)))

    plans = seed_fleet_routes(fw.company, time_limit_s=1)

    assert [p.status for p in plans] == [PlanStatus.PUBLISHED]
    assert seed_fleet_routes(fw.company, time_limit_s=1) == []
    placed = RouteStop.objects.filter(plan=plans[0]).exclude(courier=None)
    assert all(s.order.status == OrderStatus.ASSIGNED for s in placed.select_related("order"))


def test_the_plans_summary_counts_the_stops_again_after_each_move(fw: FleetWorld) -> None:
    plan = planned(fw, orders=4)
    a, b = fw.couriers
    if len(stops_of(plan, a)) < len(stops_of(plan, b)):
        a, b = b, a
    first, second, *_ = stops_of(plan, a)

    route_stop_move(plan=plan, stop=first, courier=b, position=1)
    plan.refresh_from_db()
    assert plan.message == "4 个订单中有 4 个已排给 2 名配送员。"

    route_stop_move(plan=plan, stop=second, courier=None, position=1)
    plan.refresh_from_db()
    assert plan.message == "4 个订单中有 3 个已排给 2 名配送员。"

    for stop in stops_of(plan, b):
        route_stop_move(plan=plan, stop=stop, courier=a, position=1)
    plan.refresh_from_db()
    assert plan.message == "4 个订单中有 3 个已排给 1 名配送员。"
