"""Shared builders for planner tests: a flat test world with exact travel times."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from apps.fleet.planner import (
    Depot,
    GeoPoint,
    PlanningProblem,
    PlanningResult,
    Stop,
    Vehicle,
    check_plan,
)
from apps.fleet.planner.distances import UNREACHABLE_VALUE, Matrix

KM = 1000
SPEED_MPS = 10  # 1 km takes 100 s


def at(x: float, y: float = 0.0) -> GeoPoint:
    """A point in the test world: lat/lng read as kilometres on a flat grid."""
    return GeoPoint(lat=y, lng=x)


class GridProvider:
    """Manhattan distance on the km grid, 10 m/s for every vehicle type."""

    def __init__(self, unreachable: Iterable[GeoPoint] = ()) -> None:
        self.unreachable = set(unreachable)
        self.calls = 0

    def matrix(
        self, points: Sequence[GeoPoint], vehicle_type: str = "car"
    ) -> tuple[Matrix, Matrix]:
        self.calls += 1
        distance = [[self._metres(a, b) for b in points] for a in points]
        duration = [
            [d // SPEED_MPS if d < UNREACHABLE_VALUE else d for d in row] for row in distance
        ]
        return distance, duration

    def _metres(self, a: GeoPoint, b: GeoPoint) -> int:
        if a != b and (a in self.unreachable or b in self.unreachable):
            return UNREACHABLE_VALUE
        return round((abs(a.lng - b.lng) + abs(a.lat - b.lat)) * KM)


DEPOT = Depot(location=at(0))


def problem(
    vehicles: Sequence[Vehicle], stops: Sequence[Stop], depot: Depot = DEPOT, **kwargs: object
) -> PlanningProblem:
    return PlanningProblem(depot=depot, vehicles=tuple(vehicles), stops=tuple(stops), **kwargs)  # type: ignore[arg-type]


def assert_valid(
    plan_problem: PlanningProblem, result: PlanningResult, provider: GridProvider
) -> None:
    assert check_plan(plan_problem, result, provider) == []


def trips_of(result: PlanningResult, vehicle_id: str) -> list[list[str]]:
    route = result.route_for(vehicle_id)
    assert route is not None, f"vehicle {vehicle_id} unused"
    return [[v.stop_id for v in trip.visits] for trip in route.trips]
