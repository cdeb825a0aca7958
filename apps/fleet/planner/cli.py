"""Solve a VRPLIB benchmark instance: ``python -m apps.fleet.planner.cli PATH --time-limit S``.

The instance goes through ``plan_routes``, the entry point the product plans with: it
becomes a :class:`PlanningProblem` whose points are the instance's planar coordinates and
whose distance provider applies the instance's rounding convention (integer units, tenths
under the DIMACS truncation; travel time equals distance). VRPTW: ``VEHICLES`` couriers of
one trip each, the depot's window as their shift. CVRP: an unlimited fleet (one courier
per client) with no time limits. The objective is distance only, as in the literature.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from apps.fleet.planner.distances import Matrix
from apps.fleet.planner.model import (
    Depot,
    GeoPoint,
    Objective,
    PlanningProblem,
    Stop,
    TimeWindow,
    Vehicle,
)
from apps.fleet.planner.pyvrp_backend import LARGE_INSTANCE
from apps.fleet.planner.solve import plan_routes
from apps.fleet.planner.vrplib_io import VrplibInstance, read_instance, route_cost

__all__ = ["LARGE_INSTANCE", "PlanarProvider", "problem_from_instance", "solve_vrplib_file"]


class PlanarProvider:
    """Euclidean distances between planar points (x in ``lat``, y in ``lng``), in instance units."""

    def __init__(self, instance: VrplibInstance) -> None:
        self.truncate = instance.has_time_windows
        self.scale = instance.scale

    def matrix(
        self, points: Sequence[GeoPoint], vehicle_type: str = "car"
    ) -> tuple[Matrix, Matrix]:
        xy = np.array([(p.lat, p.lng) for p in points], dtype=np.float64)
        diff = xy[:, None, :] - xy[None, :, :]
        euclid = np.sqrt((diff**2).sum(axis=2)) * self.scale
        units = (euclid if self.truncate else np.round(euclid)).astype(np.int64).tolist()
        return units, [row[:] for row in units]


def problem_from_instance(instance: VrplibInstance) -> PlanningProblem:
    scale = instance.scale
    points = [GeoPoint(float(x), float(y)) for x, y in instance.coords]
    windows = instance.time_windows
    service = instance.service_times
    if windows is not None:
        open_s, close_s = (round(float(t) * scale) for t in windows[0])
        fleet = instance.vehicles or instance.num_clients
    else:
        # No time limits: a horizon longer than any route (out and back to each client).
        open_s, close_s = 0, int(2 * instance.distances()[0].sum()) + len(points)
        fleet = instance.num_clients
    vehicles = tuple(
        Vehicle(
            id=str(k),
            capacity=instance.capacity,
            shift_start_s=open_s,
            shift_end_s=close_s,
            max_trips=1,
        )
        for k in range(fleet)
    )
    stops = []
    for client in range(1, instance.num_clients + 1):
        if windows is not None:
            start, end = (round(float(t) * scale) for t in windows[client])
        else:
            start, end = 0, close_s
        stops.append(
            Stop(
                id=str(client),
                location=points[client],
                demand=int(instance.demands[client]),
                service_s=0 if service is None else round(float(service[client]) * scale),
                window=TimeWindow(start_s=start, end_s=end),
            )
        )
    return PlanningProblem(
        depot=Depot(location=points[0], open_s=open_s, close_s=close_s),
        vehicles=vehicles,
        stops=tuple(stops),
        objective=Objective(duration_weight=0, distance_weight=1),
    )


def solve_vrplib_file(path: str, time_limit: float, seed: int = 0) -> dict:
    """Solve one instance; routes use clients 1..n in file order, cost the bench convention."""
    started = time.perf_counter()
    instance = read_instance(path)
    problem = problem_from_instance(instance)
    remaining = max(0.05, time_limit - (time.perf_counter() - started))
    result = plan_routes(problem, remaining, seed, provider=PlanarProvider(instance))
    routes = [[int(stop_id) for stop_id in route.stop_ids] for route in result.routes]
    return {
        "instance": instance.name or Path(path).stem,
        "routes": routes,
        "cost": route_cost(instance, routes),
        "wall_s": round(time.perf_counter() - started, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    json.dump(solve_vrplib_file(args.path, args.time_limit, args.seed), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
