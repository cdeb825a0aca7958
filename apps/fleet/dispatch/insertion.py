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
wait before his first stop (he simply leaves later). A placement is allowed when the
new order's service starts by its window end and no other stop starts later than its
window end (a stop that was going to be late anyway may not get later), no trip
carries more than the vehicle's capacity, and he is back by the end of his shift (or
no later than he would have been). Times are seconds from midnight of the day,
distances metres, loads whole load units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from apps.fleet.planner.distances import DistanceProvider
from apps.fleet.planner.model import DAY_S, GeoPoint

# Why a courier cannot take the order.
SKILLS: Final = "skills"
CAP: Final = "cap"
CAPACITY: Final = "capacity"
TIME_WINDOW: Final = "time_window"
SHIFT_END: Final = "shift_end"
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
    ready_s: int = 0  # now, or the start of his shift if it is later
    shift_end_s: int = DAY_S
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


class _Route:
    """One courier's route over a small matrix: depot, start, his stops, the new order."""

    __slots__ = (
        "capacity",
        "demand",
        "dist",
        "dur",
        "limit",
        "on_board",
        "queued",
        "ready_s",
        "reload_s",
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

    @property
    def new(self) -> int:
        return len(self.demand) - 1

    def head(self, starts: list[int]) -> _State:
        """Drive the on-board stops from the start; ``starts[i]`` gets each service start."""
        dur, dist = self.dur, self.dist
        t, pos, metres, first_wait = self.ready_s, self.start, 0, None
        for i in self.on_board:
            t += dur[pos][i]
            metres += dist[pos][i]
            wait = max(0, self.window_start[i] - t)
            t += wait
            if first_wait is None:
                first_wait = wait
            starts[i] = t
            t += self.service[i]
            pos = i
        return _State(t, pos, 0, metres, first_wait, False)

    def step(self, state: _State, i: int) -> int | None:
        """Serve stop ``i`` next: its service start, or None if it would start too late."""
        dur, dist = self.dur, self.dist
        demand = self.demand[i]
        if not state.loaded or state.load + demand > self.capacity:
            state.t += dur[state.pos][_DEPOT] + self.reload_s
            state.metres += dist[state.pos][_DEPOT]
            state.pos, state.load, state.loaded = _DEPOT, 0, True
        t = state.t + dur[state.pos][i]
        wait = self.window_start[i] - t
        if wait > 0:
            t += wait
        else:
            wait = 0
        if state.first_wait is None:
            state.first_wait = wait
        if t > self.limit[i]:
            return None
        state.metres += dist[state.pos][i]
        state.t = t + self.service[i]
        state.pos = i
        state.load += demand
        return t

    def finish(self, state: _State) -> tuple[int, int, int]:
        """(end, cost, metres): back at the depot; cost leaves out the first wait."""
        if state.pos == self.start and state.first_wait is None:
            return state.t, 0, state.metres  # no stops: he does not move
        end = state.t + self.dur[state.pos][_DEPOT]
        cost = end - self.ready_s - (state.first_wait or 0)
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
        starts[i] = served if served is not None else 0
    prefixes.append(_copy(state))
    old_end, old_cost, old_metres = route.finish(state)
    for i in (*route.on_board, *route.queued):
        route.limit[i] = max(route.window_end[i], starts[i])
    route.limit[new] = task.window_end_s
    shift_end = max(courier.shift_end_s, old_end)

    best: Candidate | None = None
    failures: set[str] = set()
    queued = route.queued
    for position in range(len(queued) + 1):
        state = _copy(prefixes[position])
        new_start = route.step(state, new)
        if new_start is None:
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
        end, cost, metres = route.finish(state)
        if end > shift_end:
            failures.add(SHIFT_END)
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
    return SHIFT_END if failures == {SHIFT_END} else TIME_WINDOW


def _copy(state: _State) -> _State:
    return _State(state.t, state.pos, state.load, state.metres, state.first_wait, state.loaded)
