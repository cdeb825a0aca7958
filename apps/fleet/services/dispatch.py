"""Dispatch on arrival: a new order finds its courier by its depot's policy.

The receiver hears that an order was created (after commit) and, unless the depot
dispatches by hand, queues :func:`order_dispatch` as a job. The job locks the order,
and if it is still pending and nobody's, either offers it in the grab pool or picks
the courier by the policy: the decision itself is pure (``apps.fleet.dispatch``) and
works on a snapshot read in a fixed handful of queries, whatever the number of
couriers and stops. The assignment goes through ``order_assign`` with the system as
the actor, after the chosen courier's row is locked and his open orders are counted
again, so the per-courier cap holds against couriers claiming from the grab pool at
the same moment. Auto-dispatches of one depot take turns on its settings row, so two
new orders never both count on the same slack in a courier's route.

An order given to a courier who has a published route for its day and slot takes
its place in that route (where auto-assign's insertion put it; for the other
policies, the cheapest insertion) and gets its ETA as publishing sets them, in the
same transaction as the assignment (``planning.published_route_insert``).

Every policy respects the courier's day as route planning models it: his rest break
(``apps.fleet.services.breaks``: a courier on break now is available once it is over,
and no stop goes inside a break still ahead), the end of his shift, and the depot's
opening hours for loading and coming back.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any, Protocol

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import F, FloatField, OuterRef, Subquery, Sum
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.translation import gettext

from apps.core.rows import ModelColumns, fetch_rows
from apps.fleet.dispatch.insertion import (
    Candidate,
    CourierState,
    Fleet,
    Refusal,
    Task,
    cheapest_insertion,
)
from apps.fleet.dispatch.policies import AUTO, BALANCED, NEAREST, rank
from apps.fleet.distances import distance_provider, speed_profile
from apps.fleet.models import (
    CourierPosition,
    DispatchPolicy,
    DispatchSettings,
    PlanStatus,
    RouteStop,
    Shift,
    ShiftStatus,
)
from apps.fleet.planner.model import GeoPoint, ServiceTimeRule
from apps.fleet.services.breaks import break_ahead, break_over_at, clock_seconds
from apps.fleet.services.planning import published_route_for, published_route_insert
from apps.orders.models import Order, OrderLine, OrderStatus
from apps.orders.services.lifecycle import Actor, order_assign
from apps.org.models import Depot, Role, StaffMember

# Loading at the depot before each trip.
RELOAD_S = 5 * 60
SERVICE_TIME = ServiceTimeRule()
CARRIED = (OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY)
WORKING = (ShiftStatus.ON, ShiftStatus.BREAK)
JOB_TIMEOUT_S = 60


class DispatchAction:
    ASSIGNED = "assigned"
    OFFERED = "offered"
    LEFT_PENDING = "left_pending"
    NOTHING = "nothing"


@dataclass(frozen=True)
class DispatchOutcome:
    order_id: int
    action: str
    courier_id: int | None = None
    refused: tuple[Refusal, ...] = ()


def system_actor() -> Actor:
    """The system as the one who assigns (in the company's language, for the history)."""
    with translation.override(django_settings.LANGUAGE_CODE):
        return Actor(label=gettext("Auto dispatch"))


@cache
def _policy_sql() -> str:
    """A depot's dispatch policy, built once: every new order asks for it."""
    dispatch = ModelColumns(DispatchSettings, "dispatch")
    return (
        f"SELECT {dispatch.column('policy')} FROM {dispatch.table} "
        f"WHERE {dispatch.column('depot')} = %s"
    )


def order_dispatch_enqueue(
    *, order_id: int, depot_id: int | None, exclude_courier_ids: Sequence[int] = ()
) -> bool:
    """Queue the dispatch of a new (or handed-back) order of ``depot_id`` unless the depot
    dispatches by hand (or the order has no depot yet)."""
    if depot_id is None:
        return False
    rows = fetch_rows(_policy_sql(), [depot_id])
    policy = rows[0][0] if rows else None
    if policy in (None, DispatchPolicy.MANUAL):
        return False
    from apps.core.jobs import job_enqueue

    job_enqueue(
        "apps.fleet.tasks_dispatch.order_dispatch",
        order_id,
        list(exclude_courier_ids),
        task_name=f"fleet-dispatch-order-{order_id}",
        timeout=JOB_TIMEOUT_S,
    )
    return True


@transaction.atomic
def order_dispatch(*, order_id: int, exclude_courier_ids: Sequence[int] = ()) -> DispatchOutcome:
    """Dispatch one pending order by its depot's policy; anything else is left alone."""
    order = lock_pending(order_id)
    if order is None or order.depot_id is None:
        return DispatchOutcome(order_id, DispatchAction.NOTHING)
    dispatch = DispatchSettings.objects.select_for_update().filter(depot_id=order.depot_id).first()
    if dispatch is None or dispatch.policy == DispatchPolicy.MANUAL:
        return DispatchOutcome(order_id, DispatchAction.NOTHING)
    if dispatch.policy == DispatchPolicy.GRAB:
        from apps.fleet.services.grab import grab_offer_open

        declined = exclude_courier_ids[-1] if exclude_courier_ids else None
        grab_offer_open(order=order, dispatch=dispatch, declined_by_id=declined)
        return DispatchOutcome(order_id, DispatchAction.OFFERED)
    return order_assign_by_policy(
        order=order, dispatch=dispatch, policy=dispatch.policy, exclude=exclude_courier_ids
    )


def lock_pending(order_id: int) -> Order | None:
    """The order's row, locked, if it is still waiting for a courier."""
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("address", "depot")
        .filter(pk=order_id)
        .first()
    )
    if order is None or order.status != OrderStatus.PENDING or order.courier_id is not None:
        return None
    return order


def order_assign_by_policy(
    *, order: Order, dispatch: DispatchSettings, policy: str, exclude: Iterable[int] = ()
) -> DispatchOutcome:
    """Rank the couriers on shift and give the order to the best one still under the cap.

    The caller holds the order's row (and, for auto-assign, the depot's settings row).
    """
    now = timezone.now()
    depot = order.depot
    assert depot is not None
    snapshot = fleet_snapshot(depot=depot, max_open_orders=dispatch.max_open_orders, now=now)
    task = new_order_task(order, snapshot.midnight, snapshot.fleet.depot)
    decision = rank(policy, snapshot.fleet, task, distance_provider(), exclude=frozenset(exclude))
    for candidate in decision.ranked:
        courier = snapshot.couriers[candidate.courier_id]
        if courier_open_orders_locked(courier) >= dispatch.max_open_orders:
            continue
        order_assign(
            order=order,
            courier=courier,
            actor=system_actor(),
            note=_decision_note(policy, candidate),
        )
        route = published_route_for(order=order, courier=courier)
        if route is not None:
            following = _orders_after(policy, candidate, snapshot.fleet, task)
            published_route_insert(route=route, order=order, following_order_ids=following)
        return DispatchOutcome(order.pk, DispatchAction.ASSIGNED, courier.pk, decision.refused)
    return DispatchOutcome(order.pk, DispatchAction.LEFT_PENDING, None, decision.refused)


def _orders_after(policy: str, candidate: Candidate, fleet: Fleet, task: Task) -> list[int]:
    """The courier's queued orders that come after the new one, where insertion puts it."""
    (courier,) = [c for c in fleet.couriers if c.id == candidate.courier_id]
    position = candidate.position if policy == AUTO else _best_position(courier, task, fleet)
    return [queued.id for queued in courier.queued[position:]]


def _best_position(courier: CourierState, task: Task, fleet: Fleet) -> int:
    """Cheapest insertion's place; by window start when no place keeps every window."""
    outcome = cheapest_insertion(courier, task, fleet, distance_provider())
    if isinstance(outcome, Candidate):
        return outcome.position
    return sum(1 for queued in courier.queued if queued.window_start_s <= task.window_start_s)


def courier_open_orders_locked(courier: StaffMember) -> int:
    """Lock the courier's row, then count his open orders: claims of one courier take turns."""
    list(StaffMember.objects.select_for_update().filter(pk=courier.pk).order_by().values_list("pk"))
    return Order.objects.filter(courier=courier, status__in=CARRIED).count()


def _decision_note(policy: str, candidate: Candidate) -> str:
    with translation.override(django_settings.LANGUAGE_CODE):
        if policy == AUTO:
            return gettext("Least added time: %(minutes)d min more on the route") % {
                "minutes": math.ceil(candidate.added_s / 60)
            }
        if policy == NEAREST:
            return gettext("Nearest courier: %(km).1f km away") % {
                "km": candidate.distance_m / 1000
            }
        assert policy == BALANCED
        return gettext("Fewest open orders: %(count)d") % {"count": candidate.open_orders}


# -- the snapshot ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FleetSnapshot:
    fleet: Fleet
    couriers: dict[int, StaffMember]
    midnight: datetime


def local_midnight(now: datetime | None = None) -> datetime:
    """The start of the local day: dispatch counts times in seconds from it."""
    return timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))


def fleet_snapshot(*, depot: Depot, max_open_orders: int, now: datetime) -> FleetSnapshot:
    """The couriers on shift at the depot today, their routes and loads: three queries.

    Their orders are read as plain rows: building hundreds of model instances would
    cost more than the whole decision.
    """
    today = timezone.localdate(now)
    midnight = local_midnight(now)
    depot_point = GeoPoint(float(depot.latitude), float(depot.longitude))
    shifts = list(_working_shifts(depot, today, midnight))
    courier_ids = [shift.courier_id for shift in shifts]
    rows: dict[int, list[Any]] = defaultdict(list)
    for row in _carried_orders(courier_ids):
        rows[row.courier_id].append(row)
    plan_keys = _published_sequence(courier_ids, today)
    tomorrow = midnight + timedelta(days=1)
    now_s = _seconds(now, midnight)
    couriers: list[CourierState] = []
    staff: dict[int, StaffMember] = {}
    for shift in shifts:
        staff[shift.courier_id] = shift.courier
        carried = rows[shift.courier_id]
        todays = [row for row in carried if row.window_start < tomorrow]

        def tasks(status: str, todays: list[Any] = todays) -> tuple[Task, ...]:
            chosen = [row for row in todays if row.status == status]
            return tuple(
                _row_task(row, midnight, depot_point) for row in in_sequence(chosen, plan_keys)
            )

        back = break_over_at(shift, now=now)
        couriers.append(
            _courier_state(
                shift,
                ready_s=now_s if back is None else _seconds(back, midnight),
                open_orders=len(carried),
                on_board=tasks(OrderStatus.OUT_FOR_DELIVERY),
                queued=tasks(OrderStatus.ASSIGNED),
            )
        )
    fleet = Fleet(
        depot=depot_point,
        couriers=tuple(couriers),
        reload_s=RELOAD_S,
        max_open_orders=max_open_orders,
        open_s=clock_seconds(depot.opens_at),
        close_s=clock_seconds(depot.closes_at),
    )
    return FleetSnapshot(fleet=fleet, couriers=staff, midnight=midnight)


def _courier_state(
    shift: Shift,
    *,
    ready_s: int,
    open_orders: int,
    on_board: tuple[Task, ...],
    queued: tuple[Task, ...],
) -> CourierState:
    vehicle = shift.vehicle
    latitude = getattr(shift, "position_lat", None)
    longitude = getattr(shift, "position_lng", None)
    ready_s = max(ready_s, clock_seconds(shift.starts_at))
    return CourierState(
        id=shift.courier_id,
        start=None
        if latitude is None or longitude is None
        else GeoPoint(float(latitude), float(longitude)),
        ready_s=ready_s,
        shift_end_s=clock_seconds(shift.ends_at),
        rest_break=break_ahead(shift, from_s=ready_s),
        capacity=vehicle.capacity_units if vehicle else None,
        skills=frozenset(shift.courier.skills or ()),
        vehicle_type=speed_profile(vehicle.kind if vehicle else None),
        open_orders=open_orders,
        on_board=on_board,
        queued=queued,
    )


def _working_shifts(depot: Depot, today: Any, midnight: datetime) -> Any:
    todays_positions = CourierPosition.objects.filter(
        courier=OuterRef("courier"), recorded_at__gte=midnight
    ).order_by("-recorded_at", "-pk")
    return (
        Shift.objects.filter(
            company_id=depot.company_id,
            depot=depot,
            date=today,
            status__in=WORKING,
            courier__role=Role.COURIER,
            courier__is_active=True,
        )
        .select_related("courier", "vehicle")
        .annotate(
            position_lat=Subquery(
                todays_positions.values("latitude")[:1], output_field=FloatField()
            ),
            position_lng=Subquery(
                todays_positions.values("longitude")[:1], output_field=FloatField()
            ),
        )
        .order_by("courier_id")
    )


def _carried_orders(courier_ids: list[int]) -> Any:
    """Rows, not models; coordinates and loads as floats (no Decimal per value)."""
    load = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .values("order")
        .annotate(units=Sum(F("quantity") * Cast("product__load_units", FloatField())))
        .values("units")
    )
    return (
        Order.objects.filter(courier_id__in=courier_ids, status__in=CARRIED)
        .annotate(
            load_units=Subquery(load, output_field=FloatField()),
            latitude=Cast("address__latitude", FloatField()),
            longitude=Cast("address__longitude", FloatField()),
        )
        .order_by("window_start", "pk")
        .values_list(
            "pk",
            "courier_id",
            "status",
            "window_start",
            "window_end",
            "latitude",
            "longitude",
            "address__floor",
            "address__has_elevator",
            "load_units",
            named=True,
        )
    )


def _published_sequence(courier_ids: list[int], today: Any) -> dict[int, tuple[Any, ...]]:
    """Order id → its place in today's published routes (slot, trip, stop)."""
    rows = RouteStop.objects.filter(
        plan__status=PlanStatus.PUBLISHED,
        plan__date=today,
        courier_id__in=courier_ids,
        order__status__in=CARRIED,
    ).values_list("order_id", "plan__slot_start", "trip", "sequence")
    return {order_id: (slot, trip, sequence) for order_id, slot, trip, sequence in rows}


def in_sequence[T: _Sequenced](orders: list[T], plan_keys: dict[int, tuple[Any, ...]]) -> list[T]:
    """Published stops in their planned order, the others merged in by window start."""
    planned = sorted((o for o in orders if o.pk in plan_keys), key=lambda o: plan_keys[o.pk])
    unplanned = [o for o in orders if o.pk not in plan_keys]  # already by window start
    merged: list[T] = []
    i = j = 0
    while i < len(planned) and j < len(unplanned):
        if unplanned[j].window_start < planned[i].window_start:
            merged.append(unplanned[j])
            j += 1
        else:
            merged.append(planned[i])
            i += 1
    return [*merged, *planned[i:], *unplanned[j:]]


class _Sequenced(Protocol):
    @property
    def pk(self) -> int: ...

    @property
    def window_start(self) -> datetime: ...


def task_at(
    *,
    id: int,
    window: tuple[datetime, datetime],
    latitude: Decimal | float | None,
    longitude: Decimal | float | None,
    floor: int,
    has_elevator: bool,
    units: Decimal | float | None,
    skills: frozenset[str] = frozenset(),
    midnight: datetime,
    depot: GeoPoint,
) -> Task:
    """An order as dispatch sees it; an address without coordinates counts as at the depot."""
    demand = math.ceil(round(float(units or 0), 4))  # 10 × 0.3 units is 3, not 3.0000000000000004
    location = (
        GeoPoint(float(latitude), float(longitude))
        if latitude is not None and longitude is not None
        else depot
    )
    return Task(
        id=id,
        location=location,
        demand=demand,
        service_s=SERVICE_TIME.service_s(demand, floor=floor, has_elevator=has_elevator),
        window_start_s=_seconds(window[0], midnight),
        window_end_s=_seconds(window[1], midnight),
        skills=skills,
    )


def _row_task(row: Any, midnight: datetime, depot: GeoPoint) -> Task:
    return task_at(
        id=row.pk,
        window=(row.window_start, row.window_end),
        latitude=row.latitude,
        longitude=row.longitude,
        floor=row.address__floor,
        has_elevator=row.address__has_elevator,
        units=row.load_units,
        midnight=midnight,
        depot=depot,
    )


def new_order_task(
    order: Order,
    midnight: datetime,
    depot: GeoPoint,
    lines: Iterable[tuple[int, Decimal, str]] | None = None,
) -> Task:
    """The new order with the load and skills of its lines: (quantity, load units, skill).

    Without ``lines`` they are read (one query).
    """
    if lines is None:
        lines = order.lines.values_list(
            "quantity", "product__load_units", "product__required_skill"
        )
    rows = list(lines)
    address = order.address
    return task_at(
        id=order.pk,
        window=(order.window_start, order.window_end),
        latitude=address.latitude,
        longitude=address.longitude,
        floor=address.floor,
        has_elevator=address.has_elevator,
        units=sum((quantity * load for quantity, load, _ in rows), Decimal(0)),
        skills=frozenset(skill for _, _, skill in rows if skill),
        midnight=midnight,
        depot=depot,
    )


def _seconds(moment: datetime, midnight: datetime) -> int:
    return int((moment - midnight).total_seconds())
