"""Dispatch on arrival against the database: policies, the receiver, what is never touched."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.customers.models import Address
from apps.fleet.dispatch.insertion import REST_BREAK
from apps.fleet.models import (
    CourierPosition,
    DispatchPolicy,
    DispatchSettings,
    PlanStatus,
    RoutePlan,
    RouteStop,
    Shift,
    ShiftStatus,
)
from apps.fleet.services.dispatch import (
    DispatchAction,
    fleet_snapshot,
    in_sequence,
    order_dispatch,
)
from apps.orders.models import Order, OrderEvent, OrderStatus
from apps.orders.pricing import LineRequest
from apps.orders.services.lifecycle import (
    order_assign,
    order_start_delivery,
    order_unassign,
)
from apps.org.models import Skill, StaffMember
from tests.fleet.conftest import DEPOT_LAT, DEPOT_LNG, FleetWorld
from tests.ledger.conftest import make_customer
from tests.orders.conftest import make_gas

KM_PER_DEGREE_LAT = 111.2
KM_PER_DEGREE_LNG = 96.1  # at Hangzhou's latitude


@pytest.fixture
def at_ten(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Ten in the morning today: couriers' shifts (8:00–20:00) are on, windows ahead."""
    moment = timezone.make_aware(datetime.combine(timezone.localdate(), time(10, 0)))
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


def policy(fw: FleetWorld, name: str, **fields: Any) -> DispatchSettings:
    return DispatchSettings.objects.update_or_create(
        depot=fw.depot, defaults={"company": fw.company, "policy": name, **fields}
    )[0]


def address_at(fw: FleetWorld, east_km: float, north_km: float = 0.0) -> Address:
    customer = make_customer(fw.company)
    return Address.objects.create(
        company=fw.company,
        customer=customer,
        street=f"测试路 {customer.pk} 号",
        floor=1,
        has_elevator=True,
        depot=fw.depot,
        is_default=True,
        latitude=DEPOT_LAT + Decimal(f"{north_km / KM_PER_DEGREE_LAT:.6f}"),
        longitude=DEPOT_LNG + Decimal(f"{east_km / KM_PER_DEGREE_LNG:.6f}"),
    )


def order_at(
    fw: FleetWorld,
    east_km: float,
    north_km: float = 0.0,
    *,
    quantity: int = 2,
    hours: float = 4,
    product: Any = None,
) -> Order:
    """A pending order at a place; created in the test's transaction (no dispatch yet)."""
    address = address_at(fw, east_km, north_km)
    start = timezone.now()
    return fw.ow.order(
        customer=address.customer,
        address=address,
        lines=[LineRequest(product or fw.water, quantity)],
        window_start=start,
        window_end=start + timedelta(hours=hours),
    )


def arriving(fw: FleetWorld, capture: Any, *args: Any, **kwargs: Any) -> Order:
    """A new order as it arrives: committed, so the receiver dispatches it."""
    with capture(execute=True):
        order = order_at(fw, *args, **kwargs)
    order.refresh_from_db()
    return order


def put(fw: FleetWorld, courier: StaffMember, east_km: float, north_km: float = 0.0) -> None:
    CourierPosition.objects.create(
        company=fw.company,
        courier=courier,
        latitude=DEPOT_LAT + Decimal(f"{north_km / KM_PER_DEGREE_LAT:.6f}"),
        longitude=DEPOT_LNG + Decimal(f"{east_km / KM_PER_DEGREE_LNG:.6f}"),
        recorded_at=timezone.now(),
    )


def give(fw: FleetWorld, courier: StaffMember, *args: Any, **kwargs: Any) -> Order:
    """An order the dispatcher assigned to the courier by hand."""
    return order_assign(order=order_at(fw, *args, **kwargs), courier=courier, actor=fw.dispatcher)


def system_events(order: Order) -> list[OrderEvent]:
    return list(OrderEvent.objects.filter(order=order, to_status=OrderStatus.ASSIGNED))


# -- auto ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_order_goes_to_the_courier_it_adds_least_time_to(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    passing, idle = fw.couriers
    policy(fw, DispatchPolicy.AUTO)
    give(fw, passing, 3.0)
    put(fw, idle, -4.0)

    order = arriving(fw, django_capture_on_commit_callbacks, 3.2)

    assert order.status == OrderStatus.ASSIGNED
    assert order.courier == passing
    (event,) = system_events(order)
    assert event.actor is None
    assert event.actor_label == "自动派单"
    assert "分钟" in event.note


@pytest.mark.django_db
def test_the_receiver_dispatches_only_after_the_commit(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    policy(fw, DispatchPolicy.AUTO)

    with django_capture_on_commit_callbacks() as callbacks:
        order = order_at(fw, 1.0)
        assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING
    for callback in callbacks:
        callback()

    assert Order.objects.get(pk=order.pk).status == OrderStatus.ASSIGNED


@pytest.mark.django_db
def test_an_order_put_back_in_the_pool_is_not_dispatched_again(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    policy(fw, DispatchPolicy.AUTO)
    order = give(fw, fw.couriers[0], 1.0)

    with django_capture_on_commit_callbacks(execute=True):
        order_unassign(order=order, actor=fw.dispatcher)

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert order.courier is None


@pytest.mark.django_db
@pytest.mark.parametrize("chosen", [None, DispatchPolicy.MANUAL])
def test_a_depot_that_dispatches_by_hand_leaves_new_orders_pending(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any, chosen: str | None
) -> None:
    if chosen:
        policy(fw, chosen)

    order = arriving(fw, django_capture_on_commit_callbacks, 1.0)

    assert order.status == OrderStatus.PENDING
    assert order_dispatch(order_id=order.pk).action == DispatchAction.NOTHING


@pytest.mark.django_db
def test_the_dispatchers_choice_is_never_overridden(at_ten: datetime, fw: FleetWorld) -> None:
    policy(fw, DispatchPolicy.AUTO)
    first, _second = fw.couriers
    put(fw, first, 5.0)
    order = order_at(fw, 0.2)
    order_assign(order=order, courier=first, actor=fw.dispatcher)

    outcome = order_dispatch(order_id=order.pk)

    order.refresh_from_db()
    assert outcome.action == DispatchAction.NOTHING
    assert order.courier == first
    assert len(system_events(order)) == 1


@pytest.mark.django_db
def test_orders_out_for_delivery_are_never_moved(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    policy(fw, DispatchPolicy.AUTO)
    first, _second = fw.couriers
    on_its_way = order_start_delivery(order=give(fw, first, 2.0), actor=fw.dispatcher)
    changed_at = on_its_way.status_changed_at

    order = arriving(fw, django_capture_on_commit_callbacks, 2.1)

    on_its_way.refresh_from_db()
    assert order.status == OrderStatus.ASSIGNED
    assert on_its_way.status == OrderStatus.OUT_FOR_DELIVERY
    assert on_its_way.courier == first
    assert on_its_way.status_changed_at == changed_at


@pytest.mark.django_db
def test_nobody_with_the_skill_leaves_a_gas_order_pending(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    policy(fw, DispatchPolicy.AUTO)
    gas = make_gas(fw.ow)

    order = arriving(fw, django_capture_on_commit_callbacks, 1.0, quantity=1, product=gas)

    assert order.status == OrderStatus.PENDING
    assert order.courier is None
    assert not system_events(order)


@pytest.mark.django_db
def test_a_gas_order_goes_to_the_certified_courier_even_if_farther(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    policy(fw, DispatchPolicy.AUTO)
    plain, _ = fw.couriers
    certified = fw.add_courier(skills=[Skill.GAS_CERTIFIED])
    put(fw, plain, 1.0)
    put(fw, certified, -6.0)

    order = arriving(
        fw, django_capture_on_commit_callbacks, 1.0, quantity=1, product=make_gas(fw.ow)
    )

    assert order.courier == certified


@pytest.mark.django_db
def test_the_cap_of_open_orders_holds(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    policy(fw, DispatchPolicy.AUTO, max_open_orders=2)
    full, other = fw.couriers
    give(fw, full, 1.0)
    give(fw, full, 1.1)
    put(fw, other, -5.0)

    order = arriving(fw, django_capture_on_commit_callbacks, 1.05)

    assert order.courier == other


@pytest.mark.django_db
def test_an_order_bigger_than_every_vehicle_stays_pending(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    policy(fw, DispatchPolicy.AUTO)

    order = arriving(fw, django_capture_on_commit_callbacks, 1.0, quantity=13)

    assert order.status == OrderStatus.PENDING


@pytest.mark.django_db
def test_a_full_trike_reloads_but_an_emptier_one_is_cheaper(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    policy(fw, DispatchPolicy.AUTO)
    full, roomy = fw.couriers
    give(fw, full, 3.0, quantity=12)
    give(fw, roomy, 3.0, quantity=4)

    order = arriving(fw, django_capture_on_commit_callbacks, 3.3, quantity=4)

    assert order.courier == roomy


@pytest.mark.django_db
def test_a_courier_whose_shift_is_ending_is_not_given_the_order(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    policy(fw, DispatchPolicy.AUTO)
    leaving, staying = fw.couriers
    Shift.objects.filter(courier=leaving).update(ends_at=time(10, 10))
    put(fw, leaving, 1.0)
    put(fw, staying, -5.0)

    order = arriving(fw, django_capture_on_commit_callbacks, 1.2)

    assert order.courier == staying


@pytest.mark.django_db
def test_couriers_off_shift_or_at_another_depot_are_not_considered(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    policy(fw, DispatchPolicy.AUTO)
    Shift.objects.filter(courier__in=fw.couriers).update(status="ended")

    order = arriving(fw, django_capture_on_commit_callbacks, 1.0)

    assert order.status == OrderStatus.PENDING


@pytest.mark.django_db
def test_a_late_window_keeps_the_order_out_of_a_route_it_would_spoil(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    policy(fw, DispatchPolicy.AUTO)
    tight, free = fw.couriers
    # The tight courier must be 2 km east within 25 minutes: going west first breaks that,
    # and going west afterwards is too late for the new order's own window.
    give(fw, tight, 2.0, hours=25 / 60)
    put(fw, free, -2.0)

    order = arriving(fw, django_capture_on_commit_callbacks, -1.5, hours=35 / 60)

    assert order.courier == free


# -- nearest and balanced -----------------------------------------------------------------


@pytest.mark.django_db
def test_nearest_takes_the_courier_closest_to_the_order(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    policy(fw, DispatchPolicy.NEAREST)
    far, near = fw.couriers
    put(fw, far, 4.0)
    put(fw, near, -2.5)

    order = arriving(fw, django_capture_on_commit_callbacks, -2.0)

    assert order.courier == near
    (event,) = system_events(order)
    assert "0.7" in event.note  # 0.5 km as the crow flies, 0.65 km by road


@pytest.mark.django_db
def test_nearest_falls_back_to_the_depot_for_a_courier_without_a_position(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    policy(fw, DispatchPolicy.NEAREST)
    away, at_depot = fw.couriers
    put(fw, away, 6.0)

    order = arriving(fw, django_capture_on_commit_callbacks, 0.5)

    assert order.courier == at_depot


@pytest.mark.django_db
def test_balanced_takes_the_courier_with_fewest_open_orders(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    policy(fw, DispatchPolicy.BALANCED)
    busy, light = fw.couriers
    give(fw, busy, 1.0)
    give(fw, busy, 1.1)
    give(fw, light, 1.2)
    put(fw, busy, 0.5)
    put(fw, light, 6.0)

    order = arriving(fw, django_capture_on_commit_callbacks, 0.5)

    assert order.courier == light


@pytest.mark.django_db
def test_balanced_breaks_a_tie_by_distance(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    policy(fw, DispatchPolicy.BALANCED)
    far, near = fw.couriers
    put(fw, far, 5.0)
    put(fw, near, 1.0)

    order = arriving(fw, django_capture_on_commit_callbacks, 1.5)

    assert order.courier == near


# -- the snapshot -------------------------------------------------------------------------


def test_published_stops_keep_their_order_and_the_others_merge_by_window() -> None:
    from types import SimpleNamespace

    base = datetime(2030, 1, 1, 8, 0)
    a, b, c, d = (
        SimpleNamespace(pk=pk, window_start=base + timedelta(hours=h))
        for pk, h in ((1, 3), (2, 1), (3, 2), (4, 0))
    )
    plan = {1: (time(8), 1, 1), 2: (time(8), 1, 2)}

    ordered = in_sequence([d, c, b, a], plan)  # type: ignore[list-item]

    assert [o.pk for o in ordered] == [4, 3, 1, 2]


@pytest.mark.django_db
def test_the_route_follows_todays_published_plan(at_ten: datetime, fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    early, late = give(fw, courier, 1.0), give(fw, courier, 2.0)
    plan = RoutePlan.objects.create(
        company=fw.company,
        depot=fw.depot,
        date=timezone.localdate(),
        slot_start=time(8),
        slot_end=time(20),
        status=PlanStatus.PUBLISHED,
    )
    RouteStop.objects.create(plan=plan, order=late, courier=courier, trip=1, sequence=1)
    RouteStop.objects.create(plan=plan, order=early, courier=courier, trip=1, sequence=2)

    snapshot = fleet_snapshot(depot=fw.depot, max_open_orders=30, now=timezone.now())

    (state,) = [c for c in snapshot.fleet.couriers if c.id == courier.pk]
    assert [t.id for t in state.queued] == [late.pk, early.pk]
    assert state.open_orders == 2
    assert state.capacity == 12
    assert state.vehicle_type == "tricycle"


@pytest.mark.django_db
def test_dispatch_reads_a_fixed_handful_of_queries(at_ten: datetime, fw: FleetWorld) -> None:
    policy(fw, DispatchPolicy.AUTO)

    def queries_for_one_dispatch() -> int:
        order = order_at(fw, 0.7)
        with CaptureQueriesContext(connection) as captured:
            assert order_dispatch(order_id=order.pk).action == DispatchAction.ASSIGNED
        return len(captured)

    small = queries_for_one_dispatch()
    for _ in range(4):
        courier = fw.add_courier()
        put(fw, courier, 2.0)
        for k in range(3):
            give(fw, courier, 1.0 + k / 10)
    bigger = queries_for_one_dispatch()

    assert small == bigger
    assert bigger <= 25  # six reads for the decision, the rest is order_assign's own work


# -- breaks and depot hours ---------------------------------------------------------------


def take_break(fw: FleetWorld, courier: StaffMember, *, since: datetime, minutes: int) -> None:
    Shift.objects.filter(courier=courier).update(
        status=ShiftStatus.BREAK, break_minutes=minutes, break_started_at=since
    )


@pytest.mark.django_db
def test_a_courier_on_break_is_counted_available_once_it_is_over(
    at_ten: datetime, fw: FleetWorld
) -> None:
    resting, working = fw.couriers
    take_break(fw, resting, since=at_ten - timedelta(minutes=10), minutes=30)
    Shift.objects.filter(courier=working).update(break_minutes=30)

    snapshot = fleet_snapshot(depot=fw.depot, max_open_orders=30, now=at_ten)

    states = {state.id: state for state in snapshot.fleet.couriers}
    assert states[resting.pk].ready_s == (10 * 60 + 20) * 60
    assert states[resting.pk].rest_break is None
    assert states[working.pk].ready_s == 10 * 3600
    assert states[working.pk].rest_break is not None


@pytest.mark.django_db
def test_a_courier_on_break_gets_no_order_due_before_his_break_ends(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    policy(fw, DispatchPolicy.NEAREST)
    resting, working = fw.couriers
    take_break(fw, resting, since=at_ten - timedelta(minutes=10), minutes=30)
    put(fw, resting, 1.0)  # right at the address, but back only at 10:20

    urgent = arriving(fw, django_capture_on_commit_callbacks, 1.0, hours=0.25)
    later = arriving(fw, django_capture_on_commit_callbacks, 1.0, hours=4)

    assert urgent.courier == working
    assert later.courier == resting


@pytest.mark.django_db
def test_no_stop_is_put_inside_a_couriers_break(
    fw: FleetWorld, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    """Shifts 8:00–20:00 with an hour's break that must start between 12:30 and 14:30."""
    moment = fw.today_at(14)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    policy(fw, DispatchPolicy.AUTO)
    hungry, fed = fw.couriers
    Shift.objects.filter(courier__in=fw.couriers).update(break_minutes=60)
    Shift.objects.filter(courier=fed).update(break_started_at=fw.today_at(12, 30))
    put(fw, fed, 3.0)

    # Served from 14:35, the stop would run past 14:30: the hungry courier must rest
    # first and would be there after 15:05, when the window has closed.
    def due(start: datetime, end: datetime) -> Order:
        address = address_at(fw, 1.0)
        return fw.ow.order(
            customer=address.customer,
            address=address,
            lines=[LineRequest(fw.water, 2)],
            window_start=start,
            window_end=end,
        )

    with django_capture_on_commit_callbacks(execute=True):
        order = due(fw.today_at(14, 35), fw.today_at(15, 0))
    order.refresh_from_db()
    assert order.courier == fed

    alone = order_dispatch(
        order_id=due(fw.today_at(14, 35), fw.today_at(15, 0)).pk, exclude_courier_ids=[fed.pk]
    )
    assert alone.action == DispatchAction.LEFT_PENDING
    assert (hungry.pk, REST_BREAK) in [(r.courier_id, r.reason) for r in alone.refused]
    after_lunch = order_dispatch(
        order_id=due(fw.today_at(15, 30), fw.today_at(16, 0)).pk, exclude_courier_ids=[fed.pk]
    )
    assert after_lunch.courier_id == hungry.pk


@pytest.mark.django_db
def test_no_courier_is_sent_where_he_cannot_be_back_before_the_depot_closes(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    fw.depot.closes_at = time(10, 40)
    fw.depot.save(update_fields=["closes_at"])
    for name in (DispatchPolicy.AUTO, DispatchPolicy.NEAREST, DispatchPolicy.BALANCED):
        policy(fw, name)

        far = arriving(fw, django_capture_on_commit_callbacks, 8.0)
        near = arriving(fw, django_capture_on_commit_callbacks, 0.5)

        assert far.status == OrderStatus.PENDING
        assert near.status == OrderStatus.ASSIGNED
