"""Route planning as a job: start, compute, adjust by hand, publish.

- ``route_plan_start`` queues a plan for a depot, a day and a slot and enqueues its
  job after commit; one plan per slot computes at a time (a partial unique index
  holds it under concurrent clicks).
- ``route_plan_compute`` (the job) reads the depot, the slot's open orders and the
  couriers on shift into a ``PlanningProblem`` (``planning_problem_build``), runs
  ``plan_routes`` and saves a ``CourierRoute`` per courier, the stops in order with
  planned times, and the orders it could not place with the reason. It writes its
  progress at each phase; each write also checks that the plan is still running, and
  the search itself asks every quarter of a second, so a cancelled plan stops within
  about a second, whatever its time limit, and saves nothing. An error marks the plan
  failed: a plan is never left "running". Re-running a finished plan does nothing.
- ``route_stop_move`` lets the dispatcher move a stop to another courier or position
  before publishing; the couriers it touches are timed again by the planner with
  every stop pinned where the dispatcher put it.
- ``route_plan_publish`` assigns every placed order to its courier through the
  orders services, sets the ETAs, puts the assigned orders it could not place back
  in the pool (never one out for delivery) and supersedes the slot's earlier
  published plan, in one transaction; publishing twice changes nothing.

Times inside the planner are seconds from midnight of the plan's day (local time).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.core.jobs import job_enqueue
from apps.fleet.distances import distance_provider, speed_profile
from apps.fleet.models import (
    CourierRoute,
    PlanStatus,
    RoutePlan,
    RouteStop,
    Shift,
    ShiftStatus,
)
from apps.fleet.planner import (
    CAPACITY,
    DAY_S,
    NO_SKILLED_COURIER,
    NOT_PLACED,
    TIME_WINDOW,
    UNREACHABLE,
    DistanceProvider,
    GeoPoint,
    PlanningProblem,
    PlanningResult,
    ServiceTimeRule,
    Stop,
    TimeWindow,
    Vehicle,
    VehicleRoute,
    plan_routes,
)
from apps.fleet.planner import Depot as PlannerDepot
from apps.fleet.selectors.positions import latest_positions
from apps.fleet.services.breaks import break_ahead, break_over_at, clock_seconds
from apps.fleet.services.eta import (
    DEPOT_LOADING_S,
    POSITION_FRESH_FOR,
    courier_etas_refresh,
    eta_window,
)
from apps.orders.errors import OrderError
from apps.orders.models import OPEN_STATUSES, Order, OrderLine, OrderStatus
from apps.orders.services.eta import Eta, order_eta_set
from apps.orders.services.lifecycle import Actor, order_assign, order_unassign
from apps.org.models import Company, Depot, Role, StaffMember

logger = logging.getLogger(__name__)

JOB = "apps.fleet.tasks.route_plan_run"
JOB_TIMEOUT = 300  # seconds; the cluster's retry (360 s) stays longer
MAX_TIME_LIMIT_S = 180  # search time, so that loading and saving fit in JOB_TIMEOUT
# A plan still queued or running this long after its search time is over lost its job.
STALE_AFTER = timedelta(seconds=JOB_TIMEOUT + 60)
END_OF_DAY = time(23, 59)
RETIME_LIMIT_S = 1.0
SERVICE_TIMES = ServiceTimeRule()

# Reasons an order is not placed, decided before the planner runs.
NO_COORDINATES = "no_coordinates"
NO_COURIER = "no_courier"
WITH_OTHER_COURIER = "with_other_courier"
REMOVED_BY_HAND = "removed"
# Decided after planning: the planner says "time window" when its window lies where
# no courier works or the depot is closed.
OUT_OF_HOURS = "out_of_hours"

DROP_LABELS = {
    NO_SKILLED_COURIER: gettext_lazy("No courier on shift has the skill it needs"),
    CAPACITY: gettext_lazy("Too big for any vehicle on shift"),
    TIME_WINDOW: gettext_lazy("Its delivery window cannot be kept"),
    OUT_OF_HOURS: gettext_lazy(
        "Its delivery window is outside every courier's shift or after the depot closes"
    ),
    UNREACHABLE: gettext_lazy("No road to the address"),
    NOT_PLACED: gettext_lazy("Not enough couriers or time in the slot"),
    NO_COORDINATES: gettext_lazy("The address has no position on the map"),
    NO_COURIER: gettext_lazy("No courier with a vehicle is on shift"),
    WITH_OTHER_COURIER: gettext_lazy("Out for delivery with a courier who is not in this plan"),
    REMOVED_BY_HAND: gettext_lazy("Taken out of the routes by hand"),
}


def drop_reason_label(code: str) -> str:
    return str(DROP_LABELS.get(code, code))


class PlanningError(ValidationError):
    """A planning action was refused; the message says why, in the user's language."""


class _Stopped(Exception):
    """The plan stopped being "running" (cancelled, or finished by another run) mid-job."""


# --- times -----------------------------------------------------------------------------


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def slot_bounds(plan: RoutePlan) -> tuple[datetime, datetime]:
    """The slot as aware datetimes; a slot ending at 23:59 runs to midnight."""
    start = timezone.make_aware(datetime.combine(plan.date, plan.slot_start))
    if plan.slot_end >= END_OF_DAY:
        return start, day_start(plan.date + timedelta(days=1))
    return start, timezone.make_aware(datetime.combine(plan.date, plan.slot_end))


def _seconds(moment: datetime, midnight: datetime) -> int:
    return min(DAY_S, max(0, int((moment - midnight).total_seconds())))


def _at(midnight: datetime, seconds: int) -> datetime:
    return midnight + timedelta(seconds=seconds)


# --- building the problem ---------------------------------------------------------------


@dataclass
class CourierStart:
    """A courier as the planner sees him: his shift, when and where his route may start."""

    courier: StaffMember
    shift: Shift
    vehicle: Vehicle


@dataclass
class BuiltProblem:
    problem: PlanningProblem | None  # None when there is nothing to plan or nobody to plan for
    orders: dict[str, Order] = field(default_factory=dict)  # stop id -> order
    couriers: dict[str, CourierStart] = field(default_factory=dict)  # vehicle id -> courier
    dropped: dict[int, str] = field(default_factory=dict)  # order id -> reason, before planning
    without_vehicle: list[StaffMember] = field(default_factory=list)


def order_demand(order: Order) -> int:
    """Load units of the order: each product's load units × quantity, rounded up."""
    units = sum(
        (Decimal(line.product.load_units) * line.quantity for line in order.lines.all()),
        Decimal(0),
    )
    return math.ceil(units)


def order_skills(order: Order) -> frozenset[str]:
    return frozenset(
        line.product.required_skill for line in order.lines.all() if line.product.required_skill
    )


def plan_orders(plan: RoutePlan) -> list[Order]:
    """Every open order of the plan's depot whose window starts in the slot."""
    start, end = slot_bounds(plan)
    return list(
        Order.objects.filter(
            company_id=plan.company_id,
            status__in=OPEN_STATUSES,
            window_start__gte=start,
            window_start__lt=end,
        )
        .filter(Q(depot_id=plan.depot_id) | Q(depot=None, address__depot_id=plan.depot_id))
        .select_related("address")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("pk"))
        )
        .order_by("window_start", "pk")
    )


def plan_shifts(plan: RoutePlan) -> list[Shift]:
    return list(
        Shift.objects.filter(
            company_id=plan.company_id,
            depot_id=plan.depot_id,
            date=plan.date,
            courier__is_active=True,
            courier__role=Role.COURIER,
        )
        .exclude(status=ShiftStatus.ENDED)
        .select_related("courier__user", "vehicle")
        .order_by("starts_at", "courier_id")
    )


def planner_depot(depot: Depot) -> PlannerDepot:
    return PlannerDepot(
        location=GeoPoint(float(depot.latitude), float(depot.longitude)),
        open_s=clock_seconds(depot.opens_at),
        close_s=clock_seconds(depot.closes_at),
        reload_s=DEPOT_LOADING_S,
    )


def _point(latitude: Any, longitude: Any) -> GeoPoint | None:
    if latitude is None or longitude is None:
        return None
    return GeoPoint(float(latitude), float(longitude))


def courier_vehicle(shift: Shift, *, start_s: int, start: GeoPoint | None) -> Vehicle:
    assert shift.vehicle is not None
    return Vehicle(
        id=str(shift.courier_id),
        capacity=shift.vehicle.capacity_units,
        start=start,
        shift_start_s=start_s,
        shift_end_s=max(start_s, clock_seconds(shift.ends_at)),
        rest_break=break_ahead(shift, from_s=start_s),
        skills=frozenset(shift.courier.skills or []),
        vehicle_type=speed_profile(shift.vehicle.kind),
    )


def order_stop(
    order: Order,
    midnight: datetime,
    *,
    fixed_vehicle_id: str | None = None,
    fixed_position: int | None = None,
    relax_end: bool = False,
) -> Stop:
    demand = order_demand(order)
    address = order.address
    start_s = _seconds(order.window_start, midnight)
    end_s = DAY_S if relax_end else max(start_s, _seconds(order.window_end, midnight))
    location = _point(address.latitude, address.longitude)
    assert location is not None
    return Stop(
        id=str(order.pk),
        location=location,
        demand=demand,
        service_s=SERVICE_TIMES.service_s(
            demand, floor=address.floor, has_elevator=address.has_elevator
        ),
        window=TimeWindow(start_s=start_s, end_s=end_s),
        required_skills=order_skills(order),
        fixed_vehicle_id=fixed_vehicle_id,
        fixed_position=fixed_position,
    )


def planning_problem_build(*, plan: RoutePlan, now: datetime | None = None) -> BuiltProblem:
    """The plan's depot, orders and couriers as a ``PlanningProblem``.

    Orders out for delivery stay with their courier, at the head of his route in the
    order he took them; an order whose address has no coordinates cannot be planned.
    A plan for today starts no route in the past, nor before a courier on break is
    back, and a courier on shift starts from his latest position when it is fresh.
    """
    now = now or timezone.now()
    midnight = day_start(plan.date)
    today = plan.date == timezone.localdate(now)
    built = BuiltProblem(problem=None)
    vehicles: list[Vehicle] = []
    shifts = plan_shifts(plan)
    positions = latest_positions(courier_ids=[s.courier_id for s in shifts]) if today else {}
    for shift in shifts:
        if shift.vehicle is None or not shift.vehicle.is_active:
            built.without_vehicle.append(shift.courier)
            continue
        start_s = clock_seconds(shift.starts_at)
        if today:
            back = break_over_at(shift, now=now) or now
            start_s = max(start_s, _seconds(back, midnight))
        if start_s >= clock_seconds(shift.ends_at):
            continue
        start = None
        position = positions.get(shift.courier_id)
        if (
            today
            and shift.is_working
            and position
            and now - position.recorded_at <= POSITION_FRESH_FOR
        ):
            start = _point(position.latitude, position.longitude)
        vehicle = courier_vehicle(shift, start_s=start_s, start=start)
        vehicles.append(vehicle)
        built.couriers[vehicle.id] = CourierStart(
            courier=shift.courier, shift=shift, vehicle=vehicle
        )
    stops: list[Stop] = []
    taken: dict[str, int] = {}
    orders = plan_orders(plan)
    started = sorted(
        (o for o in orders if o.status == OrderStatus.OUT_FOR_DELIVERY),
        key=lambda o: (o.status_changed_at, o.pk),
    )
    for order in started + [o for o in orders if o.status != OrderStatus.OUT_FOR_DELIVERY]:
        if not order.address.has_coordinates:
            built.dropped[order.pk] = NO_COORDINATES
            continue
        if order.status == OrderStatus.OUT_FOR_DELIVERY:
            vehicle_id = str(order.courier_id)
            if vehicle_id not in built.couriers:
                built.dropped[order.pk] = WITH_OTHER_COURIER
                continue
            head = taken.get(vehicle_id, 0)
            taken[vehicle_id] = head + 1
            stop = order_stop(
                order,
                midnight,
                fixed_vehicle_id=vehicle_id,
                fixed_position=head,
                relax_end=True,
            )
        else:
            if not vehicles:
                built.dropped[order.pk] = NO_COURIER
                continue
            stop = order_stop(order, midnight)
        stops.append(stop)
        built.orders[stop.id] = order
    if stops and vehicles:
        built.problem = PlanningProblem(
            depot=planner_depot(plan.depot), vehicles=tuple(vehicles), stops=tuple(stops)
        )
    return built


# --- starting, cancelling ---------------------------------------------------------------


def _slot_text(plan_or_slot: RoutePlan | tuple[time, time]) -> str:
    start, end = (
        (plan_or_slot.slot_start, plan_or_slot.slot_end)
        if isinstance(plan_or_slot, RoutePlan)
        else plan_or_slot
    )
    return f"{start:%H:%M}–{end:%H:%M}"


def _busy_error(plan: RoutePlan) -> PlanningError:
    return PlanningError(
        _(
            "Routes for %(depot)s on %(date)s, %(slot)s are already being planned "
            "(started at %(time)s). Wait for that plan or cancel it."
        )
        % {
            "depot": plan.depot,
            "date": f"{plan.date:%Y-%m-%d}",
            "slot": _slot_text(plan),
            "time": f"{timezone.localtime(plan.created_at):%H:%M}",
        }
    )


def _expire_stale(*, depot: Depot, day: date, slot_start: time, slot_end: time) -> None:
    """Plans whose job vanished (a killed worker) stop blocking their slot."""
    now = timezone.now()
    for plan in RoutePlan.objects.select_for_update().filter(
        depot=depot,
        date=day,
        slot_start=slot_start,
        slot_end=slot_end,
        status__in=[PlanStatus.QUEUED, PlanStatus.RUNNING],
    ):
        if plan.created_at + timedelta(seconds=plan.time_limit_s) + STALE_AFTER < now:
            plan.status = PlanStatus.FAILED
            plan.message = _("The planning job stopped without finishing.")
            plan.finished_at = now
            plan.save(update_fields=["status", "message", "finished_at"])


def _enqueue(plan_id: int) -> None:
    job_enqueue(JOB, plan_id, task_name=f"route-plan-{plan_id}", timeout=JOB_TIMEOUT)


@transaction.atomic
def route_plan_start(
    *,
    company: Company,
    depot: Depot,
    date: date,
    slot_start: time,
    slot_end: time,
    time_limit_s: int,
    created_by: Any = None,
) -> RoutePlan:
    """Queue a plan for the depot's orders of a slot; its job starts after commit."""
    if depot.company_id != company.pk:
        raise PlanningError(_("%(thing)s belongs to another company.") % {"thing": depot})
    if not depot.is_active:
        raise PlanningError(_("%(depot)s is closed.") % {"depot": depot})
    if slot_start >= slot_end:
        raise PlanningError(_("The slot must end after it starts."))
    if not 1 <= time_limit_s <= MAX_TIME_LIMIT_S:
        raise PlanningError(
            _("The time limit must be between 1 and %(max)s seconds.") % {"max": MAX_TIME_LIMIT_S}
        )
    if date < timezone.localdate():
        raise PlanningError(_("Routes cannot be planned for a day that has passed."))
    _expire_stale(depot=depot, day=date, slot_start=slot_start, slot_end=slot_end)
    busy = (
        RoutePlan.objects.filter(
            depot=depot,
            date=date,
            slot_start=slot_start,
            slot_end=slot_end,
            status__in=[PlanStatus.QUEUED, PlanStatus.RUNNING],
        )
        .select_related("depot")
        .first()
    )
    if busy is not None:
        raise _busy_error(busy)
    try:
        with transaction.atomic():
            plan = RoutePlan.objects.create(
                company=company,
                depot=depot,
                date=date,
                slot_start=slot_start,
                slot_end=slot_end,
                time_limit_s=time_limit_s,
                created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
                message=_("Waiting for the job to start…"),
            )
    except IntegrityError:
        busy = RoutePlan.objects.select_related("depot").get(
            depot=depot,
            date=date,
            slot_start=slot_start,
            slot_end=slot_end,
            status__in=[PlanStatus.QUEUED, PlanStatus.RUNNING],
        )
        raise _busy_error(busy) from None
    plan_id = plan.pk
    transaction.on_commit(lambda: _enqueue(plan_id))
    return plan


@transaction.atomic
def route_plan_cancel(*, plan: RoutePlan) -> RoutePlan:
    """Stop a plan that is still computing; its job saves nothing."""
    locked = RoutePlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status == PlanStatus.CANCELLED:
        return locked
    if not locked.is_running:
        raise PlanningError(_("Only a plan that is still being computed can be cancelled."))
    locked.status = PlanStatus.CANCELLED
    locked.message = _("Cancelled.")
    locked.finished_at = timezone.now()
    locked.save(update_fields=["status", "message", "finished_at"])
    return locked


# --- the job ----------------------------------------------------------------------------


def _language(plan: RoutePlan) -> str:
    user = plan.created_by
    return (getattr(user, "language", "") or "") or "zh-hans"


def _step(plan_id: int, percent: int, message: str) -> None:
    """Save progress, and stop the job if the plan is no longer running (cancelled)."""
    updated = RoutePlan.objects.filter(pk=plan_id, status=PlanStatus.RUNNING).update(
        progress=percent, message=message[:300]
    )
    if not updated:
        raise _Stopped


def _cancelled(plan_id: int) -> bool:
    """Whether the plan stopped running: the search asks this while it works."""
    return not RoutePlan.objects.filter(pk=plan_id, status=PlanStatus.RUNNING).exists()


class _ReportingProvider:
    """Passes matrices through, and reports the search phase once distances are known."""

    def __init__(self, inner: DistanceProvider, computed: Callable[[], None]) -> None:
        self.inner = inner
        self.computed = computed

    def matrix(
        self, points: Sequence[GeoPoint], vehicle_type: str = "car"
    ) -> tuple[list[list[int]], list[list[int]]]:
        result = self.inner.matrix(points, vehicle_type)
        self.computed()
        return result


def route_plan_compute(*, plan_id: int, provider: DistanceProvider | None = None) -> RoutePlan:
    """The planning job (idempotent: a plan that is no longer queued or running is left as it is)."""
    plan = RoutePlan.objects.select_related("company", "depot", "created_by").get(pk=plan_id)
    if not plan.is_running:
        return plan
    with translation.override(_language(plan)):
        try:
            _compute(plan, provider or distance_provider())
        except _Stopped:
            pass
        except BaseException as error:  # a timeout is a SystemExit: the plan must not stay running
            logger.exception("Route plan %s failed", plan_id)
            RoutePlan.objects.filter(
                pk=plan_id, status__in=[PlanStatus.QUEUED, PlanStatus.RUNNING]
            ).update(
                status=PlanStatus.FAILED,
                progress=100,
                message=(_("Planning failed: %(error)s") % {"error": error})[:300],
                finished_at=timezone.now(),
            )
            raise
    plan.refresh_from_db()
    return plan


def _compute(plan: RoutePlan, provider: DistanceProvider) -> None:
    claimed = RoutePlan.objects.filter(
        pk=plan.pk, status__in=[PlanStatus.QUEUED, PlanStatus.RUNNING]
    ).update(status=PlanStatus.RUNNING, progress=5, message=_("Loading orders and couriers…"))
    if not claimed:
        raise _Stopped
    built = planning_problem_build(plan=plan)
    result = None
    if built.problem is not None:
        _step(
            plan.pk,
            15,
            _("Computing distances and travel times between %(count)s stops…")
            % {"count": len(built.problem.stops)},
        )
        searching = _(
            "Searching for the best routes for %(couriers)s couriers (up to %(seconds)s s)…"
        ) % {"couriers": len(built.problem.vehicles), "seconds": plan.time_limit_s}
        reporting = _ReportingProvider(provider, lambda: _step(plan.pk, 40, searching))
        result = plan_routes(
            built.problem,
            time_limit_s=plan.time_limit_s,
            provider=reporting,
            should_stop=lambda: _cancelled(plan.pk),
        )
    _step(plan.pk, 90, _("Saving the routes…"))
    _save(plan, built, result)


@transaction.atomic
def _save(plan: RoutePlan, built: BuiltProblem, result: PlanningResult | None) -> None:
    locked = RoutePlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status != PlanStatus.RUNNING:
        raise _Stopped
    locked.stops.all().delete()
    locked.routes.all().delete()
    midnight = day_start(locked.date)
    stops: list[RouteStop] = []
    routes: list[CourierRoute] = []
    for vehicle_id, start in built.couriers.items():
        route = result.route_for(vehicle_id) if result else None
        routes.append(
            CourierRoute(
                plan=locked,
                courier=start.courier,
                vehicle=start.shift.vehicle,
                **_route_fields(start.vehicle, route, midnight),
            )
        )
        if route is not None:
            stops += _placed_stops(locked, start.courier, route, built.orders, midnight)
    CourierRoute.objects.bulk_create(routes)
    dropped = dict(built.dropped)
    if result is not None:
        assert built.problem is not None
        dropped.update(
            {
                built.orders[d.stop_id].pk: _drop_reason(d.reason, built.problem, d.stop_id)
                for d in result.dropped
            }
        )
    stops += [
        RouteStop(plan=locked, order_id=order_id, dropped_reason=reason)
        for order_id, reason in dropped.items()
    ]
    RouteStop.objects.bulk_create(stops)
    locked.status = PlanStatus.DONE
    locked.progress = 100
    locked.message = plan_summary(locked, without_vehicle=len(built.without_vehicle))
    locked.total_distance_m = result.total_distance_m if result else 0
    locked.total_duration_s = result.total_duration_s if result else 0
    locked.finished_at = timezone.now()
    locked.save()


def plan_summary(plan: RoutePlan, *, without_vehicle: int) -> str:
    """The plan's one-line result, counted from its stops as they stand."""
    counts = RouteStop.objects.filter(plan=plan).aggregate(
        total=Count("pk"),
        placed=Count("pk", filter=Q(courier__isnull=False)),
        couriers=Count("courier", distinct=True),
    )
    if not counts["total"]:
        message = _("No open orders start in this slot.")
    else:
        message = _("%(placed)s of %(total)s orders placed on %(couriers)s couriers.") % counts
    if without_vehicle:
        message += " " + ngettext(
            "%(count)s courier on shift has no vehicle and was left out.",
            "%(count)s couriers on shift have no vehicle and were left out.",
            without_vehicle,
        ) % {"count": without_vehicle}
    return message[:300]


def _drop_reason(reason: str, problem: PlanningProblem, stop_id: str) -> str:
    """The planner's reason, told apart when the window lies outside everyone's hours."""
    if reason == TIME_WINDOW and not _anyone_works_during(problem, problem.stop(stop_id).window):
        return OUT_OF_HOURS
    return reason


def _anyone_works_during(problem: PlanningProblem, window: TimeWindow) -> bool:
    """Some courier's shift overlaps the window while the depot is open."""
    depot = problem.depot
    start = max(window.start_s, depot.open_s)
    end = min(window.end_s, depot.close_s)
    return any(
        max(start, vehicle.shift_start_s) <= min(end, vehicle.shift_end_s)
        for vehicle in problem.vehicles
    )


def _route_fields(
    vehicle: Vehicle, route: VehicleRoute | None, midnight: datetime
) -> dict[str, Any]:
    start = vehicle.start
    return {
        "starts_at": _at(midnight, vehicle.shift_start_s),
        "start_latitude": Decimal(f"{start.lat:.6f}") if start else None,
        "start_longitude": Decimal(f"{start.lng:.6f}") if start else None,
        "ends_at": _at(midnight, route.end_s) if route else None,
        "break_at": _at(midnight, route.break_start_s)
        if route and route.break_start_s is not None
        else None,
        "distance_m": route.distance_m if route else 0,
        "duration_s": route.duration_s if route else 0,
        "trip_loads": [trip.load for trip in route.trips] if route else [],
    }


def _placed_stops(
    plan: RoutePlan,
    courier: StaffMember,
    route: VehicleRoute,
    orders: dict[str, Order],
    midnight: datetime,
) -> list[RouteStop]:
    rows = []
    sequence = 0
    for trip_number, trip in enumerate(route.trips, start=1):
        for visit in trip.visits:
            sequence += 1
            rows.append(
                RouteStop(
                    plan=plan,
                    order=orders[visit.stop_id],
                    courier=courier,
                    trip=trip_number,
                    sequence=sequence,
                    arrival_at=_at(midnight, visit.service_start_s),
                    departure_at=_at(midnight, visit.departure_s),
                    load_after=visit.load_after,
                )
            )
    return rows


# --- adjusting by hand ------------------------------------------------------------------


def _editable(plan: RoutePlan) -> RoutePlan:
    locked = RoutePlan.objects.select_for_update().select_related("depot").get(pk=plan.pk)
    if locked.status != PlanStatus.DONE:
        raise PlanningError(
            _(
                "Only a plan that is ready and not yet published can be changed; this one is %(status)s."
            )
            % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def route_stop_move(
    *, plan: RoutePlan, stop: RouteStop, courier: StaffMember | None, position: int
) -> list[str]:
    """Put a stop on a courier's route at a position (1 = first), or take it out (no courier).

    Returns warnings about windows or shifts the new routes no longer keep.
    """
    locked = _editable(plan)
    stop = (
        RouteStop.objects.select_for_update(of=("self",))
        .select_related("order", "courier__user")
        .get(pk=stop.pk, plan=locked)
    )
    order = stop.order
    routes = {r.courier_id: r for r in CourierRoute.objects.filter(plan=locked)}
    if courier is not None and courier.pk not in routes:
        raise PlanningError(
            _("%(courier)s is not in this plan.") % {"courier": courier.user.display_name}
        )
    if order.status == OrderStatus.OUT_FOR_DELIVERY and (
        courier is None or courier.pk != stop.courier_id
    ):
        raise PlanningError(
            _("%(order)s is already out for delivery; it stays with its courier.")
            % {"order": order.number}
        )
    if courier is not None:
        missing = order_skills(order) - set(courier.skills or [])
        if missing:
            raise PlanningError(
                _("%(courier)s lacks a skill %(order)s needs.")
                % {"courier": courier.user.display_name, "order": order.number}
            )
    touched = {c for c in (stop.courier_id, courier.pk if courier else None) if c is not None}
    sequences = {
        c: list(
            RouteStop.objects.filter(plan=locked, courier_id=c)
            .exclude(pk=stop.pk)
            .select_related("order")
            .order_by("trip", "sequence")
        )
        for c in touched
    }
    if courier is None:
        stop.courier = None
        stop.dropped_reason = REMOVED_BY_HAND
        stop.arrival_at = stop.departure_at = None
        stop.trip, stop.sequence, stop.load_after = 1, 0, 0
        stop.save()
    else:
        target = sequences[courier.pk]
        started = sum(1 for s in target if s.order.status == OrderStatus.OUT_FOR_DELIVERY)
        lowest = 0 if order.status == OrderStatus.OUT_FOR_DELIVERY else started
        index = min(max(lowest, position - 1), len(target))
        target.insert(index, stop)
        stop.courier = courier
        stop.dropped_reason = ""
    warnings = _retime(locked, sequences, routes)
    without_vehicle = sum(
        1 for s in plan_shifts(locked) if s.vehicle is None or not s.vehicle.is_active
    )
    with translation.override(_language(locked)):
        locked.message = plan_summary(locked, without_vehicle=without_vehicle)
    locked.save(update_fields=["message"])
    return warnings


def _retime(
    plan: RoutePlan, sequences: dict[int, list[RouteStop]], routes: dict[int, CourierRoute]
) -> list[str]:
    """Time the given couriers' routes again, every stop pinned in the given order."""
    midnight = day_start(plan.date)
    shifts = {
        s.courier_id: s
        for s in Shift.objects.filter(
            company_id=plan.company_id, date=plan.date, courier_id__in=list(sequences)
        ).select_related("courier__user", "vehicle")
    }
    orders = {
        o.pk: o
        for o in Order.objects.filter(
            pk__in=[s.order_id for stops in sequences.values() for s in stops]
        )
        .select_related("address")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("pk"))
        )
    }
    vehicles: list[Vehicle] = []
    stops: list[Stop] = []
    for courier_id, sequence in sequences.items():
        route = routes[courier_id]
        shift = shifts.get(courier_id)
        if shift is None or shift.vehicle is None:
            raise PlanningError(_("The courier's shift or vehicle was removed; plan again."))
        start = _point(route.start_latitude, route.start_longitude)
        vehicles.append(
            courier_vehicle(shift, start_s=_seconds(route.starts_at, midnight), start=start)
        )
        for position, row in enumerate(sequence):
            order = orders[row.order_id]
            stops.append(
                order_stop(
                    order,
                    midnight,
                    fixed_vehicle_id=str(courier_id),
                    fixed_position=position,
                    relax_end=order.status == OrderStatus.OUT_FOR_DELIVERY,
                )
            )
    problem = PlanningProblem(
        depot=planner_depot(plan.depot), vehicles=tuple(vehicles), stops=tuple(stops)
    )
    result = plan_routes(problem, time_limit_s=RETIME_LIMIT_S, provider=distance_provider())
    warnings: list[str] = []
    for vehicle in vehicles:
        courier_id = int(vehicle.id)
        timed = result.route_for(vehicle.id)
        route = routes[courier_id]
        for name, value in _route_fields(vehicle, timed, midnight).items():
            setattr(route, name, value)
        route.save()
        rows = {str(r.order_id): r for r in sequences[courier_id]}
        if timed is None:
            continue
        number = 0
        for trip_number, trip in enumerate(timed.trips, start=1):
            for visit in trip.visits:
                number += 1
                row = rows[visit.stop_id]
                row.trip, row.sequence = trip_number, number
                row.arrival_at = _at(midnight, visit.service_start_s)
                row.departure_at = _at(midnight, visit.departure_s)
                row.load_after = visit.load_after
                row.save()
                window_end = problem.stop(visit.stop_id).window.end_s
                if visit.service_start_s > window_end:
                    warnings.append(
                        _(
                            "%(order)s would be reached at %(time)s, after its window ends (%(end)s)."
                        )
                        % {
                            "order": orders[row.order_id].number,
                            "time": f"{timezone.localtime(row.arrival_at):%H:%M}",
                            "end": f"{timezone.localtime(_at(midnight, window_end)):%H:%M}",
                        }
                    )
        if timed.end_s > vehicle.shift_end_s:
            warnings.append(
                _("%(courier)s would be back at %(time)s, after his shift ends.")
                % {
                    "courier": shifts[courier_id].courier.user.display_name,
                    "time": f"{timezone.localtime(_at(midnight, timed.end_s)):%H:%M}",
                }
            )
    totals = CourierRoute.objects.filter(plan=plan).values_list("distance_m", "duration_s")
    plan.total_distance_m = sum(d for d, _s in totals)
    plan.total_duration_s = sum(s for _d, s in totals)
    plan.save(update_fields=["total_distance_m", "total_duration_s"])
    return warnings


# --- orders dispatched after publishing -------------------------------------------------


def published_route_for(*, order: Order, courier: StaffMember) -> CourierRoute | None:
    """The courier's route in the published plan of the order's depot, day and slot."""
    if order.depot_id is None:
        return None
    start = timezone.localtime(order.window_start)
    return (
        CourierRoute.objects.select_related("plan__depot")
        .filter(
            courier_id=courier.pk,
            plan__status=PlanStatus.PUBLISHED,
            plan__depot_id=order.depot_id,
            plan__date=start.date(),
            plan__slot_start__lte=start.time(),
        )
        .filter(Q(plan__slot_end__gt=start.time()) | Q(plan__slot_end__gte=END_OF_DAY))
        .first()
    )


@transaction.atomic
def published_route_insert(
    *, route: CourierRoute, order: Order, following_order_ids: Sequence[int] = ()
) -> RouteStop | None:
    """Put an order just given to the courier into his published route and time it.

    The stop goes before the first of ``following_order_ids`` (the orders that come
    after it in his route, as dispatch's insertion put it) that the plan holds, else
    at the end. The route is timed again with every stop pinned, and the ETAs are set
    as publishing sets them. Returns None when the plan changed meanwhile or the
    courier's shift is gone (the assignment stands; the order simply has no place).
    """
    plan = RoutePlan.objects.select_for_update().select_related("depot").get(pk=route.plan_id)
    if plan.status != PlanStatus.PUBLISHED:
        return None
    sequence = list(
        RouteStop.objects.filter(plan=plan, courier_id=route.courier_id)
        .exclude(order_id=order.pk)
        .order_by("trip", "sequence")
    )
    stop = RouteStop.objects.filter(plan=plan, order_id=order.pk).first() or RouteStop(
        plan=plan, order=order
    )
    stop.courier_id, stop.dropped_reason = route.courier_id, ""
    placed = {row.order_id: index for index, row in enumerate(sequence)}
    index = next((placed[i] for i in following_order_ids if i in placed), len(sequence))
    sequence.insert(index, stop)
    try:
        with transaction.atomic():
            stop.save()
            _retime(plan, {route.courier_id: sequence}, {route.courier_id: route})
    except PlanningError:
        return None
    order_eta_set(
        company_id=plan.company_id,
        etas=[Eta(row.order_id, *eta_window(row.arrival_at)) for row in sequence if row.arrival_at],
    )
    if plan.date == timezone.localdate():
        courier_etas_refresh(courier=route.courier)
    return stop


# --- publishing -------------------------------------------------------------------------


@dataclass
class Published:
    plan: RoutePlan
    assigned: int = 0
    unassigned: int = 0  # assigned before, not placed by this plan: back in the pool
    refused: list[tuple[str, str]] = field(default_factory=list)  # (order number, why)
    already: bool = False


@transaction.atomic
def route_plan_publish(*, plan: RoutePlan, actor: Actor) -> Published:
    """Give every placed order to its courier, set ETAs, supersede the slot's earlier plan.

    Orders out for delivery are left with their courier; an order that changed since
    planning (cancelled, delivered, …) is reported and skipped. An order some courier
    was given before that this plan could not place goes back to the pool, with the
    reason in its history (the board shows it too).
    """
    locked = RoutePlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status == PlanStatus.PUBLISHED:
        return Published(plan=locked, already=True)
    if locked.status != PlanStatus.DONE:
        raise PlanningError(
            _("Only a plan that is ready can be published; this one is %(status)s.")
            % {"status": locked.get_status_display()}
        )
    if locked.date < timezone.localdate():
        raise PlanningError(_("This plan is for a day that has passed."))
    RoutePlan.objects.select_for_update().filter(
        company_id=locked.company_id,
        depot_id=locked.depot_id,
        date=locked.date,
        slot_start=locked.slot_start,
        slot_end=locked.slot_end,
        status=PlanStatus.PUBLISHED,
    ).update(status=PlanStatus.SUPERSEDED)
    outcome = Published(plan=locked)
    stops = list(
        RouteStop.objects.filter(plan=locked, courier__isnull=False)
        .select_related("order", "courier__user")
        .order_by("courier_id", "trip", "sequence")
    )
    note = _("Route plan %(number)s") % {"number": locked.pk}
    etas: list[Eta] = []
    for stop in stops:
        order = stop.order
        assert stop.courier is not None and stop.arrival_at is not None
        if order.status == OrderStatus.OUT_FOR_DELIVERY and order.courier_id == stop.courier_id:
            etas.append(Eta(order.pk, *eta_window(stop.arrival_at)))
            continue
        try:
            order_assign(order=order, courier=stop.courier, actor=actor, note=note)
        except OrderError as error:
            outcome.refused.append((order.number, " ".join(error.messages)))
            continue
        outcome.assigned += 1
        etas.append(Eta(order.pk, *eta_window(stop.arrival_at)))
    order_eta_set(company_id=locked.company_id, etas=etas)
    outcome.unassigned = _unassign_not_placed(locked, actor)
    locked.status = PlanStatus.PUBLISHED
    locked.published_at = timezone.now()
    locked.message = _("Published.")
    locked.save(update_fields=["status", "published_at", "message"])
    if locked.date == timezone.localdate():
        for courier in {stop.courier for stop in stops if stop.courier is not None}:
            courier_etas_refresh(courier=courier)
    return outcome


def _unassign_not_placed(plan: RoutePlan, actor: Actor) -> int:
    """Put back in the pool the assigned orders the plan could not place; started ones stay."""
    dropped = RouteStop.objects.filter(
        plan=plan, courier__isnull=True, order__status=OrderStatus.ASSIGNED
    ).select_related("order")
    count = 0
    for stop in dropped.order_by("order_id"):
        note = _("Not placed by route plan %(number)s: %(reason)s") % {
            "number": plan.pk,
            "reason": drop_reason_label(stop.dropped_reason),
        }
        try:
            order_unassign(order=stop.order, actor=actor, note=note)
        except OrderError:
            continue  # it moved on meanwhile (started, cancelled): leave it be
        count += 1
    return count
