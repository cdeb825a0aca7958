"""Cheapest insertion of one new order into the couriers' current routes (no Django).

The dispatch service turns the database into these frozen dataclasses; the benchmark
and the tests build them by hand. A courier's route, as dispatch sees it::

    his start (latest position, else the depot) at ``ready_s``
    → the orders on board (out for delivery), in their order: never moved
    → the depot to load, then his queued orders (assigned, not loaded yet) in their
      sequence, going back to the depot to reload whenever the next one would
      overload the vehicle (one trip per load)
    → back at the depot.

The new order may go anywhere among the queued ones. What it costs a courier is the
time it adds to his route — from his start until he is back at the depot, less the
wait before his first stop (he simply leaves later) and his break. A placement is allowed when the
new order's service starts by its window end and no other stop starts later than its
window end (a stop that was going to be late anyway may not get later), no trip
carries more than the vehicle's capacity, and he is back by the end of his shift (or
no later than he would have been), and the depot is open whenever he is there: he
loads no earlier than it opens and is back before it closes.

His rest break is the route planner's :class:`~apps.fleet.planner.model.Break` (a
length that must start within a window) and is timed the planner's way: taken when he
leaves a place, the next stop served after it. No stop is served inside it: the break
goes into the first gap where it costs nothing (he would wait anyway), else into the
last gap before the stop after which it could no longer start in time. A placement
that would push the break past its latest start is refused. Times are seconds from
midnight of the day, distances metres, loads whole load units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from apps.fleet.planner.distances import DistanceProvider
from apps.fleet.planner.model import DAY_S, Break, GeoPoint

# Why a courier cannot take the order.
SKILLS: Final = "skills"
CAP: Final = "cap"
CAPACITY: Final = "capacity"
TIME_WINDOW: Final = "time_window"
SHIFT_END: Final = "shift_end"
DEPOT_CLOSED: Final = "depot_closed"
REST_BREAK: Final = "rest_break"
EXCLUDED: Final = "excluded"

_NO_LIMIT: Final = 1 << 60
_DEPOT: Final = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Task:
    """An order as dispatch sees it: where, how much, how long, when, which skills."""

    id: int
    location: GeoPoint
    demand: int = 0
    service_s: int = 0
    window_start_s: int = 0
    window_end_s: int = DAY_S
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class CourierState:
    id: int
    start: GeoPoint | None = None  # None: at the depot
    ready_s: int = 0  # now, the start of his shift or the end of his break, the latest
    shift_end_s: int = DAY_S
    rest_break: Break | None = None  # the break still ahead of him today
    capacity: int | None = None  # load units per trip; None: not limited
    skills: frozenset[str] = frozenset()
    vehicle_type: str = "car"
    open_orders: int = 0  # counted against the per-courier cap
    on_board: tuple[Task, ...] = ()
    queued: tuple[Task, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Fleet:
    depot: GeoPoint
    couriers: tuple[CourierState, ...]
    reload_s: int = 0  # loading time at the depot before each trip
    max_open_orders: int | None = None
    open_s: int = 0  # depot hours: loading starts no earlier, routes end no later
    close_s: int = DAY_S


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """A courier who can take the order, with what the policy ranked him by."""

    courier_id: int
    open_orders: int
    added_s: int = 0  # auto: time added to his route
    added_m: int = 0  # auto: distance added to his route
    position: int = 0  # auto: index among his queued orders where the new one goes
    service_start_s: int | None = None  # auto: when he would start serving it
    distance_m: int = 0  # nearest / balanced / grab: from his start to the order


@dataclass(frozen=True, slots=True)
class Refusal:
    courier_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class Decision:
    ranked: tuple[Candidate, ...]  # best first
    refused: tuple[Refusal, ...]

    @property
    def best(self) -> Candidate | None:
        return self.ranked[0] if self.ranked else None


def static_refusal(courier: CourierState, task: Task, max_open_orders: int | None) -> str | None:
    """What rules a courier out before any route is looked at."""
    if not task.skills <= courier.skills:
        return SKILLS
    if max_open_orders is not None and courier.open_orders >= max_open_orders:
        return CAP
    if courier.capacity is not None and task.demand > courier.capacity:
        return CAPACITY
    return None


def rank_by_insertion(
    fleet: Fleet,
    task: Task,
    provider: DistanceProvider,
    *,
    exclude: frozenset[int] = frozenset(),
) -> Decision:
    """Every eligible courier's cheapest placement, least added time first."""
    ranked: list[Candidate] = []
    refused: list[Refusal] = []
    for courier in fleet.couriers:
        if courier.id in exclude:
            refused.append(Refusal(courier.id, EXCLUDED))
            continue
        reason = static_refusal(courier, task, fleet.max_open_orders)
        if reason is None:
            outcome = cheapest_insertion(courier, task, fleet, provider)
            if isinstance(outcome, Candidate):
                ranked.append(outcome)
                continue
            reason = outcome
        refused.append(Refusal(courier.id, reason))
    ranked.sort(key=lambda c: (c.added_s, c.added_m, c.open_orders, c.courier_id))
    return Decision(tuple(ranked), tuple(refused))


@dataclass(slots=True)
class _State:
    """Where the simulation stands before the next queued stop."""

    t: int
    pos: int
    load: int
    metres: int
    first_wait: int | None
    loaded: bool  # False until the courier has been to the depot for his queued orders
    rest_at: int | None = None  # when his break started; None while it is still ahead


class _Route:
    """One courier's route over a small matrix: depot, start, his stops, the new order."""

    __slots__ = (
        "break_limit",
        "capacity",
        "close_s",
        "demand",
        "dist",
        "dur",
        "limit",
        "on_board",
        "open_s",
        "queued",
        "ready_s",
        "reload_s",
        "rest_break",
        "service",
        "start",
        "window_end",
        "window_start",
    )

    def __init__(
        self, courier: CourierState, task: Task, fleet: Fleet, provider: DistanceProvider
    ) -> None:
        points = [fleet.depot]
        if courier.start is not None:
            points.append(courier.start)
        self.start = len(points) - 1  # the depot itself when he has no position
        stops = (*courier.on_board, *courier.queued, task)
        first = len(points)
        points.extend(stop.location for stop in stops)
        self.dist, self.dur = provider.matrix(points, courier.vehicle_type)
        self.on_board = list(range(first, first + len(courier.on_board)))
        self.queued = list(range(first + len(courier.on_board), len(points) - 1))
        zeros = [0] * first
        self.demand = zeros + [stop.demand for stop in stops]
        self.service = zeros + [stop.service_s for stop in stops]
        self.window_start = zeros + [stop.window_start_s for stop in stops]
        self.window_end = zeros + [stop.window_end_s for stop in stops]
        self.limit = zeros + [_NO_LIMIT] * len(stops)
        self.capacity = _NO_LIMIT if courier.capacity is None else courier.capacity
        self.ready_s = courier.ready_s
        self.reload_s = fleet.reload_s
        self.open_s = fleet.open_s
        self.close_s = fleet.close_s
        self.rest_break = courier.rest_break
        # Latest start of the break a placement may leave; the current route sets it.
        self.break_limit = _NO_LIMIT

    @property
    def new(self) -> int:
        return len(self.demand) - 1

    def head(self, starts: list[int]) -> _State:
        """Drive the on-board stops from the start; ``starts[i]`` gets each service start."""
        state = _State(self.ready_s, self.start, 0, 0, None, False)
        for i in self.on_board:
            served = self.serve(state, i)
            assert served is not None  # no limits apply yet
            starts[i] = served
        return state

    def step(self, state: _State, i: int) -> int | None:
        """Serve stop ``i`` next: its service start, or None if it would start too late."""
        if not state.loaded or state.load + self.demand[i] > self.capacity:
            arrival = state.t + self.dur[state.pos][_DEPOT]
            state.t = max(arrival, self.open_s) + self.reload_s
            state.metres += self.dist[state.pos][_DEPOT]
            state.pos, state.load, state.loaded = _DEPOT, 0, True
        served = self.serve(state, i)
        if served is not None:
            state.load += self.demand[i]
        return served

    def serve(self, state: _State, i: int) -> int | None:
        """Go from where the state stands to stop ``i``, resting on the way if it is time."""
        arrival = state.t + self.dur[state.pos][i]
        ready = arrival
        service = max(ready, self.window_start[i])
        brk = self.rest_break
        if brk is not None and state.rest_at is None:
            leave = max(brk.earliest_start_s, state.t)
            rested = max(arrival, leave) + brk.duration_s
            rested_service = max(rested, self.window_start[i])
            costs_nothing = rested_service == service
            too_late_after = service + self.service[i] > brk.latest_start_s
            if costs_nothing or too_late_after:
                if leave > self.break_limit:
                    return None
                state.rest_at = leave
                ready, service = rested, rested_service
        if service > self.limit[i]:
            return None
        if state.first_wait is None:
            state.first_wait = service - ready
        state.metres += self.dist[state.pos][i]
        state.t = service + self.service[i]
        state.pos = i
        return service

    def finish(self, state: _State) -> tuple[int, int, int] | None:
        """(end, cost, metres): back at the depot; cost leaves out the first wait.

        None when the break, still ahead, could no longer start in time.
        """
        if state.pos == self.start and state.first_wait is None:
            return state.t, 0, state.metres  # no stops: he does not move
        end = state.t + self.dur[state.pos][_DEPOT]
        brk = self.rest_break
        if brk is not None and state.rest_at is None and end > brk.latest_start_s:
            leave = max(brk.earliest_start_s, state.t)  # rests on the way back
            if leave > self.break_limit:
                return None
            state.rest_at = leave
            end = max(end, leave) + brk.duration_s
        cost = end - self.ready_s - (state.first_wait or 0)
        if brk is not None and state.rest_at is not None:
            cost -= brk.duration_s  # he rests whoever gets the order
        return end, cost, state.metres + self.dist[state.pos][_DEPOT]


def cheapest_insertion(
    courier: CourierState, task: Task, fleet: Fleet, provider: DistanceProvider
) -> Candidate | str:
    """The courier's best place for ``task``, or why there is none (a reason code)."""
    route = _Route(courier, task, fleet, provider)
    new = route.new
    starts = [0] * len(route.demand)
    state = route.head(starts)
    # The current route, remembering the state before each queued stop so that every
    # insertion only replays the part after it.
    prefixes: list[_State] = []
    for i in route.queued:
        prefixes.append(_copy(state))
        served = route.step(state, i)
        assert served is not None  # no limits apply yet
        starts[i] = served
    prefixes.append(_copy(state))
    current = route.finish(_copy(state))
    assert current is not None
    old_end, old_cost, old_metres = current
    for i in (*route.on_board, *route.queued):
        route.limit[i] = max(route.window_end[i], starts[i])
    route.limit[new] = task.window_end_s
    if route.rest_break is not None:
        # A break that was going to start late anyway may not start later still.
        route.break_limit = max(route.rest_break.latest_start_s, state.rest_at or 0)
        for prefix in prefixes:
            if prefix.rest_at is not None:
                route.break_limit = max(route.break_limit, prefix.rest_at)
    shift_end = max(courier.shift_end_s, old_end)
    depot_close = max(fleet.close_s, old_end)

    best: Candidate | None = None
    failures: set[str] = set()
    queued = route.queued
    for position in range(len(queued) + 1):
        state = _copy(prefixes[position])
        new_start = route.step(state, new)
        if new_start is None:
            if _rest_blocked(route, prefixes[position], new):
                failures.add(REST_BREAK)
                continue
            # Every later position reaches it later still (travel times obey the
            # triangle inequality), so none of them can keep its window either.
            failures.add(TIME_WINDOW)
            break
        feasible = True
        bound = best.added_s if best is not None else _NO_LIMIT
        for i in queued[position:]:
            if route.step(state, i) is None:
                failures.add(TIME_WINDOW)
                feasible = False
                break
            if state.first_wait is not None:
                lower = state.t + route.dur[state.pos][_DEPOT] - route.ready_s - state.first_wait
                if lower - old_cost > bound:
                    feasible = False
                    break
        if not feasible:
            continue
        finished = route.finish(state)
        if finished is None:
            failures.add(REST_BREAK)
            continue
        end, cost, metres = finished
        if end > shift_end:
            failures.add(SHIFT_END)
            continue
        if end > depot_close:
            failures.add(DEPOT_CLOSED)
            continue
        candidate = Candidate(
            courier_id=courier.id,
            open_orders=courier.open_orders,
            added_s=cost - old_cost,
            added_m=metres - old_metres,
            position=position,
            service_start_s=new_start,
        )
        if best is None or (candidate.added_s, candidate.added_m) < (best.added_s, best.added_m):
            best = candidate
    if best is not None:
        return best
    for reason in (SHIFT_END, DEPOT_CLOSED, REST_BREAK):
        if failures == {reason}:
            return reason
    return TIME_WINDOW


def _rest_blocked(route: _Route, before: _State, new: int) -> bool:
    """Whether serving the new order there fails for the break rather than its window."""
    brk = route.rest_break
    if brk is None or before.rest_at is not None:
        return False
    trial = _copy(before)
    route.rest_break = None
    try:
        return route.step(trial, new) is not None
    finally:
        route.rest_break = brk


def _copy(state: _State) -> _State:
    return _State(
        state.t,
        state.pos,
        state.load,
        state.metres,
        state.first_wait,
        state.loaded,
        state.rest_at,
    )
