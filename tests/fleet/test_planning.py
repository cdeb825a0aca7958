"""Route planning as a job: the problem read from the database, the job, cancelling, publishing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone, translation

from apps.customers.models import Address
from apps.fleet.models import (
    CourierPosition,
    CourierRoute,
    PlanStatus,
    RoutePlan,
    RouteStop,
    Shift,
    ShiftStatus,
)
from apps.fleet.planner import GeoPoint, GreatCircleProvider, check_plan
from apps.fleet.services.planning import (
    NO_COORDINATES,
    NO_SKILLED_COURIER,
    OUT_OF_HOURS,
    TIME_WINDOW,
    WITH_OTHER_COURIER,
    PlanningError,
    drop_reason_label,
    planning_problem_build,
    route_plan_cancel,
    route_plan_compute,
    route_plan_publish,
    route_plan_start,
)
from apps.fleet.tasks import route_plan_run
from apps.orders.models import Order, OrderEvent, OrderStatus
from apps.orders.services.lifecycle import order_assign, order_start_delivery
from apps.org.models import Role, Skill
from tests.fleet.conftest import FleetWorld
from tests.orders.conftest import make_gas, make_product

pytestmark = pytest.mark.django_db


def tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def for_tomorrow(fw: FleetWorld) -> FleetWorld:
    """Move the couriers' shifts to tomorrow: a plan for tomorrow does not depend on the clock."""
    Shift.objects.filter(company=fw.company).update(date=tomorrow())
    return fw


def order_tomorrow(fw: FleetWorld, start: int = 9, end: int = 13, **fields: Any) -> Order:
    day = tomorrow()
    return fw.order_near(window=(at(day, start), at(day, end)), **fields)


def start(fw: FleetWorld, **fields: Any) -> RoutePlan:
    values: dict[str, Any] = {
        "company": fw.company,
        "depot": fw.depot,
        "date": tomorrow(),
        "slot_start": time(0, 0),
        "slot_end": time(23, 59),
        "time_limit_s": 1,
        "created_by": fw.team.users[Role.DISPATCHER],
    }
    values.update(fields)
    return route_plan_start(**values)


class SpyProvider:
    """Great-circle distances; calls ``during`` while the job computes distances."""

    def __init__(self, during: Callable[[], None] | None = None) -> None:
        self.inner = GreatCircleProvider()
        self.during = during
        self.calls = 0

    def matrix(self, points: Sequence[GeoPoint], vehicle_type: str = "car") -> Any:
        self.calls += 1
        if self.during:
            self.during()
        return self.inner.matrix(points, vehicle_type)


# --- the problem from the database -----------------------------------------------------


def _whole_day_plan_for_an_order(
    fw: FleetWorld, window_start: datetime, window_end: datetime, **fields: Any
) -> tuple[RoutePlan, Order]:
    """An order promised between the two times today, and a plan for the whole day."""
    order = fw.order_near()
    # Taken earlier in the day: the window is set behind the services' "not in the past" check.
    Order.objects.filter(pk=order.pk).update(window_start=window_start, window_end=window_end)
    return fw.whole_day_plan(**fields), order


def test_demand_is_load_units_times_quantity_rounded_up_and_service_time_counts_the_stairs(
    fw: FleetWorld,
) -> None:
    for_tomorrow(fw)
    half = make_product(fw.ow, "5L 小桶水", 600, load_units=Decimal("0.5"))
    order = order_tomorrow(fw, product=half, quantity=3)
    Address.objects.filter(pk=order.address_id).update(floor=5, has_elevator=False)
    plan = RoutePlan.objects.create(
        company=fw.company,
        depot=fw.depot,
        date=tomorrow(),
        slot_start=time(0),
        slot_end=time(23, 59),
    )
    built = planning_problem_build(plan=plan)

    assert built.problem is not None
    stop = built.problem.stop(str(order.pk))
    assert stop.demand == 2  # 3 × 0.5 = 1.5, rounded up
    assert stop.service_s == 60 + 2 * 15 + 2 * 4 * 10  # base, per unit, per unit and floor carried
    assert (stop.window.start_s, stop.window.end_s) == (9 * 3600, 13 * 3600)
    vehicle = built.problem.vehicle(str(fw.couriers[0].pk))
    assert vehicle.capacity == 12 and vehicle.vehicle_type == "tricycle"
    assert (vehicle.shift_start_s, vehicle.shift_end_s) == (8 * 3600, 20 * 3600)


def test_gas_needs_a_gas_certified_courier_and_the_planner_says_so_when_none_is_on_shift(
    fw: FleetWorld,
) -> None:
    for_tomorrow(fw)
    gas = make_gas(fw.ow)
    order = order_tomorrow(fw, product=gas, quantity=1)
    plan = start(fw)
    built = planning_problem_build(plan=plan)

    assert built.problem is not None
    assert built.problem.stop(str(order.pk)).required_skills == {Skill.GAS_CERTIFIED}
    route_plan_compute(plan_id=plan.pk)
    assert RouteStop.objects.get(plan=plan, order=order).dropped_reason == NO_SKILLED_COURIER


def test_a_gas_certified_courier_gets_the_gas(fw: FleetWorld) -> None:
    certified = fw.add_courier(skills=[Skill.GAS_CERTIFIED])
    for_tomorrow(fw)
    order = order_tomorrow(fw, product=make_gas(fw.ow), quantity=1)
    plan = route_plan_compute(plan_id=start(fw).pk)

    assert plan.status == PlanStatus.DONE
    assert RouteStop.objects.get(plan=plan, order=order).courier == certified


def test_orders_out_for_delivery_stay_first_on_their_couriers_route(fw: FleetWorld) -> None:
    for_tomorrow(fw)
    courier = fw.couriers[0]
    first, second = order_tomorrow(fw), order_tomorrow(fw)
    for order in (second, first):  # taken in this order: second first
        order_assign(order=order, courier=courier, actor=fw.dispatcher)
        order_start_delivery(order=order, actor=fw.dispatcher)
    free = order_tomorrow(fw)
    plan = start(fw)
    built = planning_problem_build(plan=plan)

    assert built.problem is not None
    pinned = {s.id: (s.fixed_vehicle_id, s.fixed_position) for s in built.problem.stops}
    assert pinned[str(second.pk)] == (str(courier.pk), 0)
    assert pinned[str(first.pk)] == (str(courier.pk), 1)
    assert pinned[str(free.pk)] == (None, None)
    route_plan_compute(plan_id=plan.pk)
    stops = list(RouteStop.objects.filter(plan=plan, courier=courier).order_by("sequence"))
    assert [s.order_id for s in stops[:2]] == [second.pk, first.pk]


def test_an_address_without_coordinates_is_not_placed_and_says_why(fw: FleetWorld) -> None:
    for_tomorrow(fw)
    lost = order_tomorrow(fw)
    Address.objects.filter(pk=lost.address_id).update(latitude=None, longitude=None)
    placed = order_tomorrow(fw)
    plan = route_plan_compute(plan_id=start(fw).pk)

    assert RouteStop.objects.get(plan=plan, order=lost).dropped_reason == NO_COORDINATES
    assert RouteStop.objects.get(plan=plan, order=placed).courier is not None


def test_an_order_due_when_nobody_works_or_the_depot_is_closed_says_so(fw: FleetWorld) -> None:
    for_tomorrow(fw)  # shifts 8:00–20:00, the depot open 7:00–20:00
    Shift.objects.filter(company=fw.company).update(ends_at=time(17))
    after_the_shifts = order_tomorrow(fw, 18, 19)
    after_closing = order_tomorrow(fw, 21, 22)
    too_far_for_its_window = order_tomorrow(fw, 9, 10)
    Address.objects.filter(pk=too_far_for_its_window.address_id).update(
        latitude=fw.depot.latitude + Decimal("0.5")
    )
    plan = route_plan_compute(plan_id=start(fw).pk)

    reasons = dict(RouteStop.objects.filter(plan=plan).values_list("order_id", "dropped_reason"))
    assert reasons[after_the_shifts.pk] == OUT_OF_HOURS
    assert reasons[after_closing.pk] == OUT_OF_HOURS
    assert reasons[too_far_for_its_window.pk] == TIME_WINDOW
    with translation.override("zh-hans"):
        assert "没有配送员上班" in drop_reason_label(OUT_OF_HOURS)
        assert "配送时段" in drop_reason_label(TIME_WINDOW)


def test_only_orders_whose_window_starts_in_the_slot_are_planned(fw: FleetWorld) -> None:
    for_tomorrow(fw)
    morning = order_tomorrow(fw, 9, 11)
    afternoon = order_tomorrow(fw, 14, 16)
    plan = route_plan_compute(plan_id=start(fw, slot_start=time(6), slot_end=time(12)).pk)

    assert list(RouteStop.objects.filter(plan=plan).values_list("order_id", flat=True)) == [
        morning.pk
    ]
    assert afternoon.pk not in RouteStop.objects.values_list("order_id", flat=True)


def test_today_no_route_starts_in_the_past_and_a_courier_on_shift_starts_where_he_is(
    fw: FleetWorld,
) -> None:
    courier = fw.couriers[0]
    now = fw.today_at(10, 30)
    CourierPosition.objects.create(
        company=fw.company,
        courier=courier,
        latitude=Decimal("30.280000"),
        longitude=Decimal("120.160000"),
        recorded_at=now - timedelta(minutes=5),
    )
    Shift.objects.filter(courier=fw.couriers[1]).update(break_minutes=60)
    plan, _order = _whole_day_plan_for_an_order(fw, fw.today_at(11), fw.today_at(13))
    built = planning_problem_build(plan=plan, now=now)

    assert built.problem is not None
    mine = built.problem.vehicle(str(courier.pk))
    assert mine.shift_start_s == 10 * 3600 + 30 * 60
    assert mine.start == GeoPoint(30.28, 120.16)
    other = built.problem.vehicle(str(fw.couriers[1].pk))
    assert other.start is None  # no position: he starts at the depot
    assert other.rest_break is not None and other.rest_break.duration_s == 3600
    assert other.rest_break.earliest_start_s <= 13 * 3600 <= other.rest_break.latest_start_s


def test_a_courier_on_break_is_planned_from_the_end_of_his_break_and_takes_no_second(
    fw: FleetWorld,
) -> None:
    resting, rested = fw.couriers
    now = fw.today_at(12)
    Shift.objects.filter(company=fw.company).update(break_minutes=45)
    Shift.objects.filter(courier=resting).update(
        status=ShiftStatus.BREAK, break_started_at=now - timedelta(minutes=15)
    )
    Shift.objects.filter(courier=rested).update(break_started_at=fw.today_at(11))
    plan, _order = _whole_day_plan_for_an_order(fw, fw.today_at(12), fw.today_at(14))

    built = planning_problem_build(plan=plan, now=now)

    assert built.problem is not None
    on_break = built.problem.vehicle(str(resting.pk))
    assert on_break.shift_start_s == 12 * 3600 + 30 * 60  # back from his break at 12:30
    assert on_break.rest_break is None
    back = built.problem.vehicle(str(rested.pk))
    assert back.shift_start_s == 12 * 3600 and back.rest_break is None


def test_late_in_the_day_a_break_already_past_is_left_out_and_the_plan_still_computes(
    fw: FleetWorld,
) -> None:
    Shift.objects.filter(company=fw.company).update(
        starts_at=time(8), ends_at=time(18), break_minutes=60
    )
    plan, order = _whole_day_plan_for_an_order(
        fw, fw.today_at(15), fw.today_at(17, 30), time_limit_s=1
    )
    afternoon = fw.today_at(15, 40)
    built = planning_problem_build(plan=plan, now=afternoon)
    assert built.problem is not None
    assert all(vehicle.rest_break is None for vehicle in built.problem.vehicles)
    midday = planning_problem_build(plan=plan, now=fw.today_at(12))
    assert midday.problem is not None
    for vehicle in midday.problem.vehicles:
        assert vehicle.rest_break is not None
        assert vehicle.rest_break.earliest_start_s >= 12 * 3600

    with time_machine.travel(afternoon, tick=False):
        computed = route_plan_compute(plan_id=plan.pk, provider=SpyProvider())
    assert computed.status == PlanStatus.DONE
    assert RouteStop.objects.filter(plan=plan, order=order).exclude(courier=None).exists()


def test_a_courier_whose_shift_has_no_vehicle_is_left_out_and_the_plan_says_so(
    fw: FleetWorld,
) -> None:
    for_tomorrow(fw)
    Shift.objects.filter(courier=fw.couriers[1]).update(vehicle=None)
    order_tomorrow(fw)
    plan = route_plan_compute(plan_id=start(fw).pk)

    assert list(CourierRoute.objects.filter(plan=plan).values_list("courier", flat=True)) == [
        fw.couriers[0].pk
    ]
    assert "没有车辆" in plan.message


# --- the job ----------------------------------------------------------------------------


def test_a_plan_runs_as_a_job_with_progress_and_publishing_assigns_the_orders_with_etas(
    fw: FleetWorld, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    for_tomorrow(fw)
    orders = [order_tomorrow(fw, 9 + n % 3, 12 + n % 3) for n in range(8)]
    seen: list[tuple[str, int, str]] = []

    def watch() -> None:
        row = RoutePlan.objects.get()
        seen.append((row.status, row.progress, row.message))

    spy = SpyProvider(watch)
    monkeypatch.setattr("apps.fleet.services.planning.distance_provider", lambda: spy)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        plan = start(fw)
    assert plan.status == PlanStatus.QUEUED and len(callbacks) == 1
    callbacks[0]()  # the job, in django-q2's sync mode (test settings)

    plan.refresh_from_db()
    assert seen and seen[0][0] == PlanStatus.RUNNING and seen[0][1] == 15
    assert "距离" in seen[0][2]
    assert plan.status == PlanStatus.DONE and plan.progress == 100
    assert plan.total_distance_m > 0 and plan.total_duration_s > 0
    stops = RouteStop.objects.filter(plan=plan)
    assert stops.count() == 8 and not stops.filter(courier=None).exists()
    for stop in stops:
        assert stop.arrival_at is not None and stop.departure_at is not None
        assert timezone.localtime(stop.arrival_at).date() == tomorrow()
        assert stop.order.window_start <= stop.arrival_at <= stop.order.window_end
    assert all(
        o.status == OrderStatus.PENDING for o in Order.objects.filter(pk__in=[o.pk for o in orders])
    )

    outcome = route_plan_publish(plan=plan, actor=fw.dispatcher)

    assert outcome.assigned == 8 and not outcome.refused
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED and plan.published_at is not None
    for stop in RouteStop.objects.filter(plan=plan).select_related("order"):
        assert stop.order.status == OrderStatus.ASSIGNED
        assert stop.order.courier_id == stop.courier_id
        assert stop.order.eta_start == stop.arrival_at - timedelta(minutes=15)
        assert stop.order.eta_end == stop.arrival_at + timedelta(minutes=15)


def test_the_plan_keeps_every_constraint_the_independent_checker_knows(fw: FleetWorld) -> None:
    for_tomorrow(fw)
    for n in range(20):
        order_tomorrow(fw, 8 + n % 4, 12 + n % 4, quantity=1 + n % 3)
    plan = start(fw)
    built = planning_problem_build(plan=plan)
    from apps.fleet.planner import plan_routes

    assert built.problem is not None
    result = plan_routes(built.problem, time_limit_s=1)
    assert result.feasible and not check_plan(built.problem, result)
    route_plan_compute(plan_id=plan.pk)
    loads = [r.trip_loads for r in CourierRoute.objects.filter(plan=plan)]
    assert all(load <= 12 for trips in loads for load in trips)


def test_publishing_twice_changes_nothing(fw: FleetWorld) -> None:
    for_tomorrow(fw)
    order_tomorrow(fw)
    plan = route_plan_compute(plan_id=start(fw).pk)
    route_plan_publish(plan=plan, actor=fw.dispatcher)
    events = OrderEvent.objects.count()

    again = route_plan_publish(plan=plan, actor=fw.dispatcher)

    assert again.already and again.assigned == 0
    assert OrderEvent.objects.count() == events


def test_publishing_supersedes_the_slots_earlier_plan_and_moves_orders_to_their_new_courier(
    fw: FleetWorld,
) -> None:
    for_tomorrow(fw)
    order = order_tomorrow(fw)
    first = route_plan_compute(plan_id=start(fw).pk)
    route_plan_publish(plan=first, actor=fw.dispatcher)
    order.refresh_from_db()
    before = order.courier
    # The courier who had it goes home: the new plan gives the order to the other one.
    Shift.objects.filter(courier=before).update(status=ShiftStatus.ENDED)
    second = route_plan_compute(plan_id=start(fw).pk)

    route_plan_publish(plan=second, actor=fw.dispatcher)

    first.refresh_from_db()
    second.refresh_from_db()
    order.refresh_from_db()
    assert first.status == PlanStatus.SUPERSEDED and second.status == PlanStatus.PUBLISHED
    assert order.status == OrderStatus.ASSIGNED and order.courier not in (None, before)


def test_publishing_leaves_orders_out_for_delivery_alone_and_reports_orders_that_changed(
    fw: FleetWorld,
) -> None:
    for_tomorrow(fw)
    courier = fw.couriers[0]
    started = order_tomorrow(fw)
    order_assign(order=started, courier=courier, actor=fw.dispatcher)
    order_start_delivery(order=started, actor=fw.dispatcher)
    gone = order_tomorrow(fw)
    plan = route_plan_compute(plan_id=start(fw).pk)
    from apps.orders.services.lifecycle import order_cancel

    order_cancel(order=gone, reason="changed_mind", actor=fw.dispatcher)
    events = OrderEvent.objects.filter(order=started).count()

    outcome = route_plan_publish(plan=plan, actor=fw.dispatcher)

    assert [number for number, _ in outcome.refused] == [gone.number]
    started.refresh_from_db()
    assert started.status == OrderStatus.OUT_FOR_DELIVERY and started.courier == courier
    assert OrderEvent.objects.filter(order=started).count() == events
    assert started.eta_start is not None


def test_publishing_puts_what_the_plan_could_not_place_back_in_the_pool_but_no_started_order(
    fw: FleetWorld,
) -> None:
    certified = fw.add_courier(skills=[Skill.GAS_CERTIFIED])
    for_tomorrow(fw)
    gas = order_tomorrow(fw, product=make_gas(fw.ow), quantity=1)
    order_assign(order=gas, courier=certified, actor=fw.dispatcher)
    water = order_tomorrow(fw)
    order_assign(order=water, courier=fw.couriers[0], actor=fw.dispatcher)
    started = order_tomorrow(fw)
    order_assign(order=started, courier=fw.ow.courier, actor=fw.dispatcher)  # not in the plan
    order_start_delivery(order=started, actor=fw.dispatcher)
    Shift.objects.filter(courier=certified).update(status=ShiftStatus.ENDED)  # he went home
    plan = route_plan_compute(plan_id=start(fw).pk)
    reasons = dict(
        RouteStop.objects.filter(plan=plan, courier=None).values_list("order_id", "dropped_reason")
    )
    assert reasons == {gas.pk: NO_SKILLED_COURIER, started.pk: WITH_OTHER_COURIER}

    outcome = route_plan_publish(plan=plan, actor=fw.dispatcher)

    assert (outcome.assigned, outcome.unassigned) == (1, 1)
    gas.refresh_from_db()
    assert (gas.status, gas.courier) == (OrderStatus.PENDING, None)
    back = OrderEvent.objects.filter(order=gas).latest("pk")
    assert (back.from_status, back.to_status) == (OrderStatus.ASSIGNED, OrderStatus.PENDING)
    assert drop_reason_label(NO_SKILLED_COURIER) in back.note
    started.refresh_from_db()
    assert (started.status, started.courier) == (OrderStatus.OUT_FOR_DELIVERY, fw.ow.courier)
    water.refresh_from_db()
    assert water.status == OrderStatus.ASSIGNED
    again = route_plan_publish(plan=plan, actor=fw.dispatcher)
    assert again.already and again.unassigned == 0


def test_a_second_start_for_the_same_slot_is_refused_while_the_first_computes(
    fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    for_tomorrow(fw)
    with django_capture_on_commit_callbacks(execute=False):
        first = start(fw)

    with pytest.raises(PlanningError, match="已在规划中"):
        start(fw)
    other_slot = start(fw, slot_start=time(6), slot_end=time(12))  # another slot is fine

    assert RoutePlan.objects.filter(status=PlanStatus.QUEUED).count() == 2
    route_plan_cancel(plan=first)
    assert start(fw).status == PlanStatus.QUEUED
    assert other_slot.pk


def test_a_plan_whose_job_vanished_stops_blocking_its_slot(
    fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    for_tomorrow(fw)
    with django_capture_on_commit_callbacks(execute=False):
        lost = start(fw)
    RoutePlan.objects.filter(pk=lost.pk).update(
        status=PlanStatus.RUNNING, created_at=timezone.now() - timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=False):
        fresh = start(fw)

    lost.refresh_from_db()
    assert lost.status == PlanStatus.FAILED and fresh.status == PlanStatus.QUEUED


def test_a_cancelled_plan_stops_at_the_next_phase_and_saves_nothing(
    fw: FleetWorld, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    for_tomorrow(fw)
    order_tomorrow(fw)
    with django_capture_on_commit_callbacks(execute=False):
        plan = start(fw)

    spy = SpyProvider(lambda: route_plan_cancel(plan=plan))  # the dispatcher presses "cancel"
    route_plan_compute(plan_id=plan.pk, provider=spy)

    plan.refresh_from_db()
    assert spy.calls == 1
    assert plan.status == PlanStatus.CANCELLED
    assert not RouteStop.objects.filter(plan=plan).exists()
    assert not CourierRoute.objects.filter(plan=plan).exists()


def test_a_plan_cancelled_before_its_job_starts_is_never_computed(
    fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    for_tomorrow(fw)
    order_tomorrow(fw)
    with django_capture_on_commit_callbacks(execute=False):
        plan = start(fw)
    route_plan_cancel(plan=plan)
    spy = SpyProvider()

    assert route_plan_run(plan.pk) == PlanStatus.CANCELLED
    assert route_plan_compute(plan_id=plan.pk, provider=spy).status == PlanStatus.CANCELLED
    assert spy.calls == 0


def test_running_a_finished_plan_again_does_nothing(fw: FleetWorld) -> None:
    for_tomorrow(fw)
    order_tomorrow(fw)
    plan = route_plan_compute(plan_id=start(fw).pk)
    stops = list(RouteStop.objects.filter(plan=plan).values_list("pk", flat=True))
    spy = SpyProvider()

    assert route_plan_compute(plan_id=plan.pk, provider=spy).status == PlanStatus.DONE
    assert spy.calls == 0
    assert list(RouteStop.objects.filter(plan=plan).values_list("pk", flat=True)) == stops


def test_a_job_that_breaks_marks_the_plan_failed_with_the_reason(fw: FleetWorld) -> None:
    for_tomorrow(fw)
    order_tomorrow(fw)
    plan = start(fw)

    def broken() -> None:
        raise RuntimeError("OSRM unavailable")

    with pytest.raises(RuntimeError):
        route_plan_compute(plan_id=plan.pk, provider=SpyProvider(broken))

    plan.refresh_from_db()
    assert plan.status == PlanStatus.FAILED and "OSRM unavailable" in plan.message


def test_an_empty_slot_finishes_with_a_clear_message(fw: FleetWorld) -> None:
    for_tomorrow(fw)
    plan = route_plan_compute(plan_id=start(fw).pk)

    assert plan.status == PlanStatus.DONE
    assert plan.message == "这个时段没有待配送的订单。"
    assert CourierRoute.objects.filter(plan=plan).count() == len(fw.couriers)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"slot_start": time(12), "slot_end": time(9)}, "结束"),
        ({"time_limit_s": 0}, "1"),
        ({"date": date(2020, 1, 1)}, "已经过去"),
    ],
)
def test_bad_starts_are_refused_and_change_nothing(
    fw: FleetWorld, fields: dict[str, Any], error: str
) -> None:
    with pytest.raises(PlanningError, match=error):
        start(fw, **fields)
    assert not RoutePlan.objects.exists()
