"""The independent checker accepts a correct plan and names each kind of violation."""

from __future__ import annotations

from dataclasses import replace

import pytest

from apps.fleet.planner import (
    Break,
    DroppedStop,
    PlanningProblem,
    PlanningResult,
    Stop,
    TimeWindow,
    Trip,
    Vehicle,
    VehicleRoute,
    Visit,
    check_plan,
)
from tests.planner.helpers import GridProvider, at, problem

PROVIDER = GridProvider()


def _plan() -> tuple[PlanningProblem, PlanningResult]:
    """Hand-made feasible plan: 0 -> A (x=1) -> B (x=2) -> depot, break 300-400 at B."""
    courier = Vehicle(
        id="v", capacity=5, skills=frozenset({"gas"}), rest_break=Break(250, 350, 100)
    )
    stops = [
        Stop(id="A", location=at(1), demand=2, service_s=60, required_skills={"gas"}),
        Stop(id="B", location=at(2), demand=3, service_s=60, window=TimeWindow(end_s=500)),
        Stop(id="C", location=at(9), optional=True),
    ]
    route = VehicleRoute(
        vehicle_id="v",
        trips=(
            Trip(
                start_s=0,
                end_s=660,
                load=5,
                distance_m=4000,
                visits=(
                    Visit(
                        stop_id="A",
                        arrival_s=100,
                        service_start_s=100,
                        departure_s=160,
                        load_after=3,
                    ),
                    Visit(
                        stop_id="B",
                        arrival_s=260,
                        service_start_s=400,
                        departure_s=460,
                        load_after=0,
                    ),
                ),
            ),
        ),
        start_s=0,
        end_s=660,
        distance_m=4000,
        duration_s=660,
        break_start_s=300,
    )
    result = PlanningResult(
        routes=(route,),
        dropped=(DroppedStop("C", "not_placed"),),
        total_distance_m=4000,
        total_duration_s=660,
        cost=0,
        feasible=True,
    )
    return problem([courier], stops), result


def _with_visit(result: PlanningResult, index: int, **changes: int) -> PlanningResult:
    route = result.routes[0]
    trip = route.trips[0]
    visits = list(trip.visits)
    visits[index] = replace(visits[index], **changes)
    new_trip = replace(trip, visits=tuple(visits))
    return replace(result, routes=(replace(route, trips=(new_trip,)),))


def test_it_accepts_a_feasible_plan() -> None:
    plan, result = _plan()
    assert check_plan(plan, result, PROVIDER) == []


def test_it_flags_excess_load() -> None:
    plan, result = _plan()
    smaller = replace(plan, vehicles=(replace(plan.vehicles[0], capacity=4),))
    assert check_plan(smaller, result) == ["vehicle v: trip 1 carries 5 > capacity 4"]


def test_it_flags_a_missing_skill() -> None:
    plan, result = _plan()
    untrained = replace(plan, vehicles=(replace(plan.vehicles[0], skills=frozenset()),))
    assert check_plan(untrained, result) == ["vehicle v: stop A needs skills ['gas']"]


def test_it_flags_service_after_the_window() -> None:
    plan, result = _plan()
    late = _with_visit(result, 1, service_start_s=501, departure_s=561)
    errors = check_plan(plan, late)
    assert "vehicle v: stop B served at 501 > 500" in errors


def test_it_flags_a_break_during_service() -> None:
    plan, result = _plan()
    route = replace(result.routes[0], break_start_s=140)
    errors = check_plan(plan, replace(result, routes=(route,)))
    assert errors == [
        "vehicle v: break at 140 outside [250, 350]",
        "vehicle v: break at 140 overlaps a service or loading",
    ]


def test_it_flags_travel_faster_than_the_provider_allows() -> None:
    plan, result = _plan()
    rushed = _with_visit(result, 0, arrival_s=50, service_start_s=50, departure_s=110)
    assert check_plan(plan, rushed) == []  # times alone are consistent
    assert "vehicle v: arrives at 50, cannot leave 0 + 100" in check_plan(plan, rushed, PROVIDER)


def test_it_flags_moved_fixed_stops_and_double_counting() -> None:
    plan, result = _plan()
    pinned = replace(
        plan,
        vehicles=(*plan.vehicles, Vehicle(id="w", capacity=5)),
        stops=(replace(plan.stops[0], fixed_vehicle_id="w", fixed_position=0), *plan.stops[1:]),
    )
    doubled = replace(result, dropped=(*result.dropped, DroppedStop("B", "capacity")))
    assert check_plan(pinned, result) == ["fixed stop A moved to vehicle v"]
    assert check_plan(plan, doubled) == ["stop B appears 2 times"]


@pytest.mark.parametrize(
    ("shift_end", "expected"),
    [(660, []), (600, ["vehicle v: ends at 660 after shift end 600"])],
)
def test_it_checks_the_shift_end(shift_end: int, expected: list[str]) -> None:
    plan, result = _plan()
    shorter = replace(plan, vehicles=(replace(plan.vehicles[0], shift_end_s=shift_end),))
    assert check_plan(shorter, result, PROVIDER) == expected
