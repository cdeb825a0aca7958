"""Timing of a courier's route: the single source of planned times in every result.

Solvers only decide which stops go on which trip of which courier, in which order. This
module turns that into times with one set of rules (earliest service, waiting allowed,
depot hours and loading time, the break placed in the gap that hurts least) so that
results do not depend on the backend that produced them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from apps.fleet.planner.instance import DEPOT_POINT, RELOAD, Instance, effective_break
from apps.fleet.planner.model import Trip, VehicleRoute, Visit


@dataclass(frozen=True, slots=True)
class Timeline:
    sequence: tuple[int, ...]  # stop indices, RELOAD for depot visits (the last is the end)
    start_s: int  # route start (loading start when leaving from the depot)
    first_departure_s: int
    arrivals: tuple[int, ...]
    service_starts: tuple[int, ...]
    departures: tuple[int, ...]
    legs_m: tuple[int, ...]  # distance driven to reach each node
    violation: int  # seconds late beyond hard limits plus excess load units
    node_violations: tuple[int, ...]
    lateness_s: int
    lateness_cost: int
    break_start_s: int | None

    @property
    def end_s(self) -> int:
        return self.service_starts[-1] if self.sequence else self.start_s

    @property
    def distance_m(self) -> int:
        return sum(self.legs_m)


def flatten(trips: Sequence[Sequence[int]], close_route: bool = True) -> list[int]:
    sequence: list[int] = []
    for n, trip in enumerate(trips):
        if n:
            sequence.append(RELOAD)
        sequence.extend(trip)
    if close_route and trips:
        sequence.append(RELOAD)
    return sequence


def simulate(
    inst: Instance,
    v: int,
    trips: Sequence[Sequence[int]],
    break_gap: int | None,
    close_route: bool = True,
    start_delay: int = 0,
) -> Timeline:
    """Forward pass at earliest times; ``break_gap`` k puts the break before node k.

    k == len(sequence) puts it after the route end.
    """
    problem = inst.problem
    depot, vehicle, stops = problem.depot, problem.vehicles[v], problem.stops
    brk = effective_break(vehicle) if break_gap is not None else None
    sequence = flatten(trips, close_route)
    point = inst.vehicle_points[v]
    start = depart = vehicle.shift_start_s + start_delay
    violation = 0
    if point == DEPOT_POINT:
        start = max(start, depot.open_s)
        violation += max(0, start - depot.close_s)
        depart = start + depot.reload_s
    first_departure = depart
    arrivals: list[int] = []
    service_starts: list[int] = []
    departures: list[int] = []
    legs: list[int] = []
    node_violations: list[int] = []
    lateness = lateness_cost = 0
    reported_break: int | None = None
    for k, node in enumerate(sequence):
        target = DEPOT_POINT if node == RELOAD else inst.stop_points[node]
        arrival = depart + inst.travel_s(v, point, target)
        ready = arrival
        legs.append(inst.travel_m(v, point, target))
        gap_violation = 0
        if brk is not None and k == break_gap:
            taken = max(brk.earliest_start_s, depart)
            gap_violation = max(0, taken - brk.latest_start_s)
            ready = max(arrival, taken) + brk.duration_s
        if node == RELOAD:
            service = max(ready, depot.open_s)
            gap_violation += max(0, service - depot.close_s)
            is_end = close_route and k == len(sequence) - 1
            depart = service if is_end else service + depot.reload_s
        else:
            window = stops[node].window
            service = max(ready, window.start_s)
            gap_violation += max(0, service - window.end_s)
            late = window.lateness_s(service)
            lateness += late
            lateness_cost += late * window.late_penalty_per_s
            depart = service + stops[node].service_s
        if brk is not None and k == break_gap:
            reported_break = min(brk.latest_start_s, service - brk.duration_s)
            if reported_break < arrival:  # taken on the way: arrival is after the break
                arrival += brk.duration_s
        arrivals.append(arrival)
        service_starts.append(service)
        departures.append(depart)
        node_violations.append(gap_violation)
        violation += gap_violation
        point = target
    end = service_starts[-1] if sequence else start
    if close_route:
        violation += max(0, end - vehicle.shift_end_s)
    if brk is not None and break_gap == len(sequence):
        reported_break = max(brk.earliest_start_s, end)
        violation += max(0, reported_break - brk.latest_start_s)
    violation += _load_violation(inst, v, trips)
    return Timeline(
        sequence=tuple(sequence),
        start_s=start,
        first_departure_s=first_departure,
        arrivals=tuple(arrivals),
        service_starts=tuple(service_starts),
        departures=tuple(departures),
        legs_m=tuple(legs),
        violation=violation,
        node_violations=tuple(node_violations),
        lateness_s=lateness,
        lateness_cost=lateness_cost,
        break_start_s=reported_break,
    )


def _load_violation(inst: Instance, v: int, trips: Sequence[Sequence[int]]) -> int:
    vehicle = inst.problem.vehicles[v]
    stops = inst.problem.stops
    excess = sum(max(0, sum(stops[i].demand for i in t) - vehicle.capacity) for t in trips)
    if vehicle.max_trips is not None:
        excess += max(0, len(trips) - vehicle.max_trips)
    return excess


def best_timeline(
    inst: Instance, v: int, trips: Sequence[Sequence[int]], trim_waits: bool = True
) -> Timeline:
    """Earliest-time schedule with the break in the least harmful gap.

    With ``trim_waits`` the departure is then delayed as far as possible without the
    route ending later, so waiting at windows turns into later starts.
    """
    sequence_len = len(flatten(trips))
    gap: int | None = None
    timeline = simulate(inst, v, trips, None)
    if effective_break(inst.problem.vehicles[v]) is not None and sequence_len:
        options = [simulate(inst, v, trips, g) for g in range(sequence_len + 1)]
        gap = min(
            range(len(options)),
            key=lambda g: (options[g].violation, options[g].lateness_cost, options[g].end_s),
        )
        timeline = options[gap]
    if not trim_waits or not sequence_len:
        return timeline
    return _delay_start(inst, v, trips, gap, timeline)


def _delay_start(
    inst: Instance, v: int, trips: Sequence[Sequence[int]], gap: int | None, timeline: Timeline
) -> Timeline:
    """Latest departure (binary search) that keeps the end time and the violations."""

    def keeps(delay: int) -> Timeline | None:
        delayed = simulate(inst, v, trips, gap, start_delay=delay)
        unchanged = delayed.end_s <= timeline.end_s and delayed.violation <= timeline.violation
        same_cost = delayed.lateness_cost <= timeline.lateness_cost
        return delayed if unchanged and same_cost else None

    low, high, best = 0, timeline.end_s - timeline.start_s, timeline
    while low < high:
        middle = (low + high + 1) // 2
        delayed = keeps(middle)
        if delayed is None:
            high = middle - 1
        else:
            low, best = middle, delayed
    return best


def route_cost(inst: Instance, v: int, timeline: Timeline) -> int:
    if not timeline.sequence:
        return 0
    objective = inst.problem.objective
    vehicle = inst.problem.vehicles[v]
    return (
        objective.duration_weight * (timeline.end_s - timeline.start_s)
        + objective.distance_weight * timeline.distance_m
        + timeline.lateness_cost
        + objective.vehicle_fixed_cost
        + vehicle.fixed_cost
    )


def to_vehicle_route(inst: Instance, v: int, timeline: Timeline) -> VehicleRoute:
    stops = inst.problem.stops
    trips: list[Trip] = []
    visits: list[Visit] = []
    trip_start = timeline.first_departure_s
    trip_distance = 0
    load = 0
    for k, node in enumerate(timeline.sequence):
        trip_distance += timeline.legs_m[k]
        if node != RELOAD:
            if not visits:
                load = _trip_load(stops, timeline.sequence, k)
            load -= stops[node].demand
            visits.append(
                Visit(
                    stop_id=stops[node].id,
                    arrival_s=timeline.arrivals[k],
                    service_start_s=timeline.service_starts[k],
                    departure_s=timeline.departures[k],
                    load_after=load,
                )
            )
            continue
        trips.append(
            Trip(
                start_s=trip_start,
                end_s=timeline.service_starts[k],
                load=sum(stops[i].demand for i in _trip_at(timeline.sequence, k)),
                distance_m=trip_distance,
                visits=tuple(visits),
            )
        )
        visits, trip_distance, trip_start = [], 0, timeline.departures[k]
    return VehicleRoute(
        vehicle_id=inst.problem.vehicles[v].id,
        trips=tuple(trips),
        start_s=timeline.start_s,
        end_s=timeline.end_s,
        distance_m=timeline.distance_m,
        duration_s=timeline.end_s - timeline.start_s,
        break_start_s=timeline.break_start_s,
        lateness_s=timeline.lateness_s,
    )


def _trip_at(sequence: Sequence[int], closing: int) -> list[int]:
    """Stops of the trip that the depot visit at index ``closing`` ends."""
    trip: list[int] = []
    for node in reversed(sequence[:closing]):
        if node == RELOAD:
            break
        trip.append(node)
    return trip


def _trip_load(stops: Sequence, sequence: Sequence[int], first: int) -> int:
    load = 0
    for node in sequence[first:]:
        if node == RELOAD:
            break
        load += stops[node].demand
    return load
