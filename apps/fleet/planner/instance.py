"""Solver-neutral preparation of a :class:`PlanningProblem`.

Builds the point list and matrices, pins the fixed (already started) stops to the head of
their courier's route, and screens every free stop against every courier so that stops
nobody can serve are dropped up front with a specific reason. What remains is the "core"
problem both backends solve: free stops, and per courier where and when its free part of
the route starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from apps.fleet.planner.distances import UNREACHABLE_VALUE, DistanceProvider
from apps.fleet.planner.model import (
    CAPACITY,
    NO_SKILLED_COURIER,
    TIME_WINDOW,
    UNREACHABLE,
    Break,
    GeoPoint,
    PlanningProblem,
    Vehicle,
)

DEPOT_POINT = 0
RELOAD = -1  # marker for a depot visit inside a flat visit sequence


@dataclass(frozen=True, slots=True)
class CoreStart:
    """Where a courier's free (plannable) route part begins."""

    point: int
    at_depot: bool  # starts at the depot: depot hours and loading time apply
    time_s: int  # earliest departure (before depot loading, if at_depot)
    load: int  # units already committed to the current trip by fixed stops
    head: tuple[tuple[int, ...], ...]  # fixed trips (stop indices), empty if none
    trips_left: int | None  # trips the core may still use, counting the current one


@dataclass(frozen=True, slots=True)
class Instance:
    problem: PlanningProblem
    points: tuple[GeoPoint, ...]
    stop_points: tuple[int, ...]
    vehicle_points: tuple[int, ...]
    distance: dict[str, np.ndarray]  # per vehicle type, metres
    duration: dict[str, np.ndarray]  # per vehicle type, seconds
    starts: tuple[CoreStart, ...]
    free: tuple[int, ...]  # stop indices the solvers place
    allowed: dict[int, frozenset[int]]  # free stop -> vehicles that may serve it
    dropped: dict[int, str]  # stop index -> reason, decided before solving

    def travel_s(self, vehicle: int, a: int, b: int) -> int:
        return int(self.duration[self.problem.vehicles[vehicle].vehicle_type][a, b])

    def travel_m(self, vehicle: int, a: int, b: int) -> int:
        return int(self.distance[self.problem.vehicles[vehicle].vehicle_type][a, b])

    def core_break(self, vehicle: int) -> Break | None:
        """The break as the core solvers see it: not before the core start."""
        brk = effective_break(self.problem.vehicles[vehicle])
        if brk is None:
            return None
        earliest = max(brk.earliest_start_s, self.starts[vehicle].time_s)
        if earliest > brk.latest_start_s:
            return None  # it falls within the fixed head; the scheduler places it there
        return Break(earliest, brk.latest_start_s, brk.duration_s)

    @property
    def has_breaks(self) -> bool:
        return any(self.core_break(v) is not None for v in range(len(self.problem.vehicles)))

    @property
    def has_soft_windows(self) -> bool:
        stops = self.problem.stops
        return any(
            stops[i].window.soft_end_s is not None and stops[i].window.late_penalty_per_s > 0
            for i in self.free
        )


def effective_break(vehicle: Vehicle) -> Break | None:
    """The break, unless it lies entirely outside the shift (then it is moot)."""
    brk = vehicle.rest_break
    if brk is None:
        return None
    if brk.latest_start_s < vehicle.shift_start_s or brk.earliest_start_s >= vehicle.shift_end_s:
        return None
    return brk


def prepare(problem: PlanningProblem, provider: DistanceProvider) -> Instance:
    points, vehicle_points, stop_points = _points(problem)
    distance: dict[str, np.ndarray] = {}
    duration: dict[str, np.ndarray] = {}
    for vehicle_type in sorted({v.vehicle_type for v in problem.vehicles}):
        dist_m, dur_s = provider.matrix(points, vehicle_type)
        distance[vehicle_type] = np.asarray(dist_m, dtype=np.int64)
        duration[vehicle_type] = np.asarray(dur_s, dtype=np.int64)
    heads = _fixed_heads(problem)
    partial = Instance(
        problem=problem,
        points=tuple(points),
        stop_points=tuple(stop_points),
        vehicle_points=tuple(vehicle_points),
        distance=distance,
        duration=duration,
        starts=(),
        free=(),
        allowed={},
        dropped={},
    )
    starts = tuple(_core_start(partial, v, heads[v]) for v in range(len(problem.vehicles)))
    partial = replace(partial, starts=starts)
    fixed = {i for head in heads for i in head}
    allowed: dict[int, frozenset[int]] = {}
    dropped: dict[int, str] = {}
    for i in range(len(problem.stops)):
        if i in fixed:
            continue
        vehicles, reason = _screen(partial, i)
        if vehicles:
            allowed[i] = vehicles
        else:
            dropped[i] = reason
    return replace(partial, free=tuple(sorted(allowed)), allowed=allowed, dropped=dropped)


def _points(problem: PlanningProblem) -> tuple[list[GeoPoint], list[int], list[int]]:
    points = [problem.depot.location]
    vehicle_points = []
    for vehicle in problem.vehicles:
        if vehicle.start is None or vehicle.start == problem.depot.location:
            vehicle_points.append(DEPOT_POINT)
        else:
            vehicle_points.append(len(points))
            points.append(vehicle.start)
    stop_points = []
    for stop in problem.stops:
        stop_points.append(len(points))
        points.append(stop.location)
    return points, vehicle_points, stop_points


def _fixed_heads(problem: PlanningProblem) -> list[list[int]]:
    index = {v.id: n for n, v in enumerate(problem.vehicles)}
    heads: list[list[tuple[int, int]]] = [[] for _ in problem.vehicles]
    for i, stop in enumerate(problem.stops):
        if stop.fixed_position is not None and stop.fixed_vehicle_id is not None:
            heads[index[stop.fixed_vehicle_id]].append((stop.fixed_position, i))
    return [[i for _, i in sorted(head)] for head in heads]


def split_by_capacity(
    stops: Sequence[int], demands: Sequence[int], capacity: int
) -> list[list[int]]:
    """Consecutive stops grouped into trips, reloading whenever the next would overflow."""
    trips: list[list[int]] = []
    load = 0
    for i in stops:
        if not trips or (load + demands[i] > capacity and trips[-1]):
            trips.append([])
            load = 0
        trips[-1].append(i)
        load += demands[i]
    return trips


def _core_start(inst: Instance, v: int, head: list[int]) -> CoreStart:
    from apps.fleet.planner.schedule import simulate  # schedule imports this module

    vehicle = inst.problem.vehicles[v]
    point = inst.vehicle_points[v]
    # A courier with no time left (late in the day, or after his fixed stops) still gets a
    # core start the solvers accept: at the last moment he could work, when no stop fits.
    last_moment = max(
        inst.problem.depot.open_s, min(vehicle.shift_end_s, inst.problem.depot.close_s)
    )
    if not head:
        return CoreStart(
            point=point,
            at_depot=point == DEPOT_POINT,
            time_s=min(vehicle.shift_start_s, last_moment),
            load=0,
            head=(),
            trips_left=vehicle.max_trips,
        )
    demands = [s.demand for s in inst.problem.stops]
    trips = split_by_capacity(head, demands, vehicle.capacity)
    timeline = simulate(inst, v, trips, break_gap=None, close_route=False)
    trips_left = None if vehicle.max_trips is None else max(1, vehicle.max_trips - len(trips) + 1)
    return CoreStart(
        point=inst.stop_points[head[-1]],
        at_depot=False,
        time_s=min(timeline.departures[-1], last_moment),
        load=sum(demands[i] for i in trips[-1]),
        head=tuple(tuple(t) for t in trips),
        trips_left=trips_left,
    )


def _screen(inst: Instance, i: int) -> tuple[frozenset[int], str]:
    """Vehicles that could serve stop i on their own, else the most specific reason."""
    problem = inst.problem
    stop = problem.stops[i]
    candidates = [
        v
        for v, vehicle in enumerate(problem.vehicles)
        if stop.required_skills <= vehicle.skills and stop.fixed_vehicle_id in (None, vehicle.id)
    ]
    if not candidates:
        return frozenset(), NO_SKILLED_COURIER
    candidates = [v for v in candidates if _reachable(inst, v, i)]
    if not candidates:
        return frozenset(), UNREACHABLE
    candidates = [v for v in candidates if stop.demand <= problem.vehicles[v].capacity]
    if not candidates:
        return frozenset(), CAPACITY
    candidates = [v for v in candidates if _in_time(inst, v, i)]
    if not candidates:
        return frozenset(), TIME_WINDOW
    return frozenset(candidates), ""


def _reachable(inst: Instance, v: int, i: int) -> bool:
    point = inst.stop_points[i]
    start = inst.starts[v].point
    legs = (
        inst.travel_m(v, start, point),
        inst.travel_m(v, point, DEPOT_POINT),
        inst.travel_s(v, start, point),
        inst.travel_s(v, point, DEPOT_POINT),
    )
    return max(legs) < UNREACHABLE_VALUE


def _in_time(inst: Instance, v: int, i: int) -> bool:
    """Whether a courier could serve the stop alone, straight from its start."""
    problem = inst.problem
    depot, vehicle, stop = problem.depot, problem.vehicles[v], problem.stops[i]
    start = inst.starts[v]
    depart = start.time_s
    if start.at_depot:
        depart = max(depart, depot.open_s) + depot.reload_s
    point = inst.stop_points[i]
    service_start = max(stop.window.start_s, depart + inst.travel_s(v, start.point, point))
    if service_start > stop.window.end_s:
        return False
    back = service_start + stop.service_s + inst.travel_s(v, point, DEPOT_POINT)
    return max(back, depot.open_s) <= min(depot.close_s, vehicle.shift_end_s)
