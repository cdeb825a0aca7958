"""Independent feasibility check of a plan against its problem.

Shares no code with the solvers or the scheduler: it re-derives every rule from the
problem statement. Without a distance provider it checks the plan's own times for
consistency; with one it also checks that every leg leaves enough travel time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from itertools import pairwise

from apps.fleet.planner.distances import DistanceProvider
from apps.fleet.planner.model import (
    DROP_REASONS,
    Break,
    GeoPoint,
    PlanningProblem,
    PlanningResult,
    Stop,
    Vehicle,
    VehicleRoute,
)

Travel = Callable[[GeoPoint, GeoPoint], int]


def check_plan(
    problem: PlanningProblem,
    result: PlanningResult,
    provider: DistanceProvider | None = None,
) -> list[str]:
    """Human-readable violations; an empty list means the plan is feasible."""
    errors = _check_accounting(problem, result)
    stops = {s.id: s for s in problem.stops}
    vehicles = {v.id: v for v in problem.vehicles}
    for route in result.routes:
        vehicle = vehicles.get(route.vehicle_id)
        if vehicle is None:
            errors.append(f"route for unknown vehicle {route.vehicle_id}")
            continue
        travel = _travel(problem, vehicle, provider) if provider else None
        errors += _check_route(problem, vehicle, route, stops, travel)
    return errors


def _check_accounting(problem: PlanningProblem, result: PlanningResult) -> list[str]:
    errors = []
    seen = Counter(v.stop_id for route in result.routes for v in route.visits)
    seen.update(d.stop_id for d in result.dropped)
    known = {s.id for s in problem.stops}
    for stop_id, count in seen.items():
        if stop_id not in known:
            errors.append(f"unknown stop {stop_id}")
        elif count > 1:
            errors.append(f"stop {stop_id} appears {count} times")
    errors += [f"stop {s} neither routed nor dropped" for s in sorted(known - set(seen))]
    for dropped in result.dropped:
        if dropped.reason not in DROP_REASONS:
            errors.append(f"stop {dropped.stop_id}: unknown drop reason {dropped.reason!r}")
        stop = next((s for s in problem.stops if s.id == dropped.stop_id), None)
        if stop is not None and stop.is_fixed:
            errors.append(f"fixed stop {stop.id} was dropped")
    counts = Counter(route.vehicle_id for route in result.routes)
    errors += [f"vehicle {vid} has {n} routes" for vid, n in counts.items() if n > 1]
    routed = {v.stop_id: r.vehicle_id for r in result.routes for v in r.visits}
    for stop in problem.stops:
        if stop.is_fixed and stop.id in routed and routed[stop.id] != stop.fixed_vehicle_id:
            errors.append(f"fixed stop {stop.id} moved to vehicle {routed[stop.id]}")
    return errors


def _travel(problem: PlanningProblem, vehicle: Vehicle, provider: DistanceProvider) -> Travel:
    points = [problem.depot.location]
    if vehicle.start is not None:
        points.append(vehicle.start)
    points += [s.location for s in problem.stops]
    _, duration = provider.matrix(points, vehicle.vehicle_type)
    index = {p: n for n, p in enumerate(points)}  # equal points have equal rows
    return lambda a, b: duration[index[a]][index[b]]


def _check_route(
    problem: PlanningProblem,
    vehicle: Vehicle,
    route: VehicleRoute,
    stops: dict[str, Stop],
    travel: Travel | None,
) -> list[str]:
    name = f"vehicle {vehicle.id}"
    errors = _check_route_frame(problem, vehicle, route)
    errors += _check_fixed_head(problem, vehicle, route)
    errors += _check_loads(vehicle, route, stops)
    errors += _check_timing(problem, vehicle, route, stops, travel)
    brk = _break_in_shift(vehicle)
    if brk is not None and route.visits:
        errors += _check_break(problem, vehicle, route, stops, brk, travel)
    return [f"{name}: {e}" for e in errors]


def _starts_at_depot(problem: PlanningProblem, vehicle: Vehicle) -> bool:
    return vehicle.start is None or vehicle.start == problem.depot.location


def _check_route_frame(
    problem: PlanningProblem, vehicle: Vehicle, route: VehicleRoute
) -> list[str]:
    errors = []
    depot = problem.depot
    if not route.trips:
        return ["route without trips"]
    if vehicle.max_trips is not None and len(route.trips) > vehicle.max_trips:
        errors.append(f"{len(route.trips)} trips, at most {vehicle.max_trips} allowed")
    if route.start_s < vehicle.shift_start_s:
        errors.append(f"starts at {route.start_s} before shift start {vehicle.shift_start_s}")
    if route.end_s > vehicle.shift_end_s:
        errors.append(f"ends at {route.end_s} after shift end {vehicle.shift_end_s}")
    if route.end_s != route.trips[-1].end_s or route.duration_s != route.end_s - route.start_s:
        errors.append("route end or duration inconsistent with its trips")
    loading = depot.reload_s if _starts_at_depot(problem, vehicle) else 0
    if _starts_at_depot(problem, vehicle) and not depot.open_s <= route.start_s <= depot.close_s:
        errors.append(f"loads at {route.start_s} outside depot hours")
    if route.trips[0].start_s < route.start_s + loading:
        errors.append("first trip leaves before loading is done")
    for before, after in pairwise(route.trips):
        if after.start_s < before.end_s + depot.reload_s:
            errors.append(f"trip leaving at {after.start_s} without time to reload")
        if after.start_s - depot.reload_s > depot.close_s:
            errors.append(f"reloads at {after.start_s - depot.reload_s} after depot closes")
    for trip in route.trips:
        if not depot.open_s <= trip.end_s <= depot.close_s:
            errors.append(f"back at the depot at {trip.end_s} outside depot hours")
    return errors


def _check_fixed_head(problem: PlanningProblem, vehicle: Vehicle, route: VehicleRoute) -> list[str]:
    fixed = sorted(
        (s for s in problem.stops if s.is_fixed and s.fixed_vehicle_id == vehicle.id),
        key=lambda s: s.fixed_position or 0,
    )
    expected = [s.id for s in fixed]
    actual = route.stop_ids[: len(expected)]
    if actual != expected:
        return [f"route must begin with fixed stops {expected}, begins with {actual}"]
    return []


def _check_loads(vehicle: Vehicle, route: VehicleRoute, stops: dict[str, Stop]) -> list[str]:
    errors = []
    for n, trip in enumerate(route.trips, start=1):
        load = sum(stops[v.stop_id].demand for v in trip.visits if v.stop_id in stops)
        if load != trip.load:
            errors.append(f"trip {n} declares load {trip.load}, its stops need {load}")
        if load > vehicle.capacity:
            errors.append(f"trip {n} carries {load} > capacity {vehicle.capacity}")
        remaining = trip.load
        for visit in trip.visits:
            remaining -= stops[visit.stop_id].demand if visit.stop_id in stops else 0
            if visit.load_after != remaining:
                errors.append(f"stop {visit.stop_id}: load after {visit.load_after} != {remaining}")
    for visit in route.visits:
        stop = stops.get(visit.stop_id)
        if stop is not None and not stop.required_skills <= vehicle.skills:
            missing = sorted(stop.required_skills - vehicle.skills)
            errors.append(f"stop {stop.id} needs skills {missing}")
    return errors


def _legs(
    problem: PlanningProblem, vehicle: Vehicle, route: VehicleRoute, stops: dict[str, Stop]
) -> Iterator[tuple[GeoPoint, int, GeoPoint, int, int | None]]:
    """(from point, departure, to point, ready time, arrival or None) for every leg."""
    depot = problem.depot.location
    here = vehicle.start if vehicle.start is not None else depot
    for trip in route.trips:
        departure = trip.start_s
        for visit in trip.visits:
            there = stops[visit.stop_id].location
            yield here, departure, there, visit.service_start_s, visit.arrival_s
            here, departure = there, visit.departure_s
        yield here, departure, depot, trip.end_s, None
        here = depot


def _check_timing(
    problem: PlanningProblem,
    vehicle: Vehicle,
    route: VehicleRoute,
    stops: dict[str, Stop],
    travel: Travel | None,
) -> list[str]:
    errors = []
    brk = _break_in_shift(vehicle)
    for visit in route.visits:
        stop = stops.get(visit.stop_id)
        if stop is None:
            continue
        window = stop.window
        if visit.service_start_s < max(visit.arrival_s, window.start_s):
            errors.append(f"stop {stop.id} served before arrival or window start")
        if visit.service_start_s > window.end_s:
            errors.append(f"stop {stop.id} served at {visit.service_start_s} > {window.end_s}")
        if visit.departure_s != visit.service_start_s + stop.service_s:
            errors.append(f"stop {stop.id}: departure does not follow its service time")
    for here, departure, there, ready, arrival in _legs(problem, vehicle, route, stops):
        needed = travel(here, there) if travel else 0
        if arrival is not None and arrival < departure + needed:
            errors.append(f"arrives at {arrival}, cannot leave {departure} + {needed}")
        in_gap = (
            brk is not None
            and route.break_start_s is not None
            and departure <= route.break_start_s < ready
        )
        earliest_ready = departure + needed
        if in_gap and brk is not None and route.break_start_s is not None:
            earliest_ready = max(earliest_ready, route.break_start_s) + brk.duration_s
        if ready < earliest_ready:
            errors.append(f"ready at {ready} but cannot be there before {earliest_ready}")
    return errors


def _break_in_shift(vehicle: Vehicle) -> Break | None:
    brk = vehicle.rest_break
    if brk is None:
        return None
    if brk.latest_start_s < vehicle.shift_start_s or brk.earliest_start_s >= vehicle.shift_end_s:
        return None
    return brk


def _check_break(
    problem: PlanningProblem,
    vehicle: Vehicle,
    route: VehicleRoute,
    stops: dict[str, Stop],
    brk: Break,
    travel: Travel | None,
) -> list[str]:
    start = route.break_start_s
    if start is None:
        return ["break not scheduled"]
    errors = []
    if not brk.earliest_start_s <= start <= brk.latest_start_s:
        errors.append(f"break at {start} outside [{brk.earliest_start_s}, {brk.latest_start_s}]")
    if start >= route.end_s:
        return errors
    fits = any(
        departure <= start and start + brk.duration_s <= ready
        for _, departure, _, ready, _ in _legs(problem, vehicle, route, stops)
    )
    if not fits:
        errors.append(f"break at {start} overlaps a service or loading")
    return errors
