"""VRPLIB instances and solutions for benchmarking, with the literature's cost conventions.

VRPTW (Solomon, Gehring & Homberger): Euclidean distance truncated to one decimal, travel
time equals distance, waiting allowed, hard windows, at most VEHICLES routes.
CVRP (Uchoa X): Euclidean distance rounded to the nearest integer, unlimited fleet.
Distances are kept as integers in *units* (tenths for VRPTW) to avoid float drift.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import vrplib

Routes = list[list[int]]  # clients numbered 1..n in file order; the depot 0 is implicit


@dataclass(frozen=True)
class VrplibInstance:
    name: str
    coords: np.ndarray  # (n + 1, 2), depot first
    demands: np.ndarray  # (n + 1,)
    capacity: int
    vehicles: int | None  # route limit, None for an unlimited fleet
    time_windows: np.ndarray | None  # (n + 1, 2), or None for CVRP
    service_times: np.ndarray | None  # (n + 1,)

    @property
    def num_clients(self) -> int:
        return len(self.coords) - 1

    @property
    def has_time_windows(self) -> bool:
        return self.time_windows is not None

    @property
    def scale(self) -> int:
        """Integer units per distance unit: tenths under the truncation convention."""
        return 10 if self.has_time_windows else 1

    @property
    def round_func(self) -> str:
        """Name of the matching ``pyvrp.read`` rounding function."""
        return "dimacs" if self.has_time_windows else "round"

    def distances(self) -> np.ndarray:
        """Integer distance matrix in units of 1 / ``scale``."""
        diff = self.coords[:, None, :] - self.coords[None, :, :]
        euclid = np.sqrt((diff.astype(np.float64) ** 2).sum(axis=2))
        if self.has_time_windows:
            return (10 * euclid).astype(np.int64)  # truncation to one decimal
        return np.round(euclid).astype(np.int64)


def read_instance(path: str | Path) -> VrplibInstance:
    raw = vrplib.read_instance(str(path))
    name = str(raw.get("name", Path(path).stem)).strip()
    depots = np.atleast_1d(raw.get("depot", np.array([0])))
    if list(depots) != [0]:
        raise ValueError(f"{name}: only single-depot instances with the depot first")
    windows = raw.get("time_window")
    service = raw.get("service_time")
    if windows is not None and service is not None and np.isscalar(service):
        service = np.full(len(raw["node_coord"]), service)
        service[0] = 0
    vehicles = raw.get("vehicles")
    return VrplibInstance(
        name=name,
        coords=np.asarray(raw["node_coord"]),
        demands=np.asarray(raw["demand"], dtype=np.int64),
        capacity=int(raw["capacity"]),
        vehicles=int(vehicles) if vehicles is not None and windows is not None else None,
        time_windows=None if windows is None else np.asarray(windows),
        service_times=None if service is None else np.asarray(service),
    )


def route_cost(instance: VrplibInstance, routes: Routes) -> float:
    """Total distance under the instance's convention (e.g. 827.3 for C101)."""
    dist = instance.distances()
    units = 0
    for route in routes:
        path = [0, *route, 0]
        units += int(sum(dist[a, b] for a, b in pairwise(path)))
    return units / instance.scale


def check_routes(instance: VrplibInstance, routes: Routes) -> list[str]:
    """Violations of the benchmark rules; empty when the solution is feasible."""
    errors = []
    visits = Counter(c for route in routes for c in route)
    clients = set(range(1, instance.num_clients + 1))
    errors += [f"client {c} visited {n} times" for c, n in visits.items() if n > 1]
    errors += [f"client {c} not visited" for c in sorted(clients - set(visits))]
    errors += [f"unknown client {c}" for c in sorted(set(visits) - clients)]
    non_empty = [r for r in routes if r]
    if instance.vehicles is not None and len(non_empty) > instance.vehicles:
        errors.append(f"{len(non_empty)} routes > {instance.vehicles} vehicles")
    for n, route in enumerate(non_empty, start=1):
        load = int(sum(instance.demands[c] for c in route if c in clients))
        if load > instance.capacity:
            errors.append(f"route {n}: load {load} > capacity {instance.capacity}")
        if instance.has_time_windows and not set(route) - clients:
            errors += [f"route {n}: {e}" for e in _window_errors(instance, route)]
    return errors


def _window_errors(instance: VrplibInstance, route: Sequence[int]) -> list[str]:
    assert instance.time_windows is not None and instance.service_times is not None
    dist = instance.distances()
    scale = instance.scale
    windows = np.round(instance.time_windows * scale).astype(np.int64)
    service = np.round(instance.service_times * scale).astype(np.int64)
    errors = []
    time, here = int(windows[0][0]), 0
    for client in [*route, 0]:
        time = max(time + int(dist[here, client]), int(windows[client][0]))
        if time > windows[client][1]:
            errors.append(
                f"client {client} reached at {time / scale} > {windows[client][1] / scale}"
            )
        time += int(service[client])
        here = client
    return errors


def write_solution(path: str | Path, routes: Routes, cost: float) -> None:
    vrplib.write_solution(str(path), [list(r) for r in routes if r], {"Cost": cost})


def read_solution(path: str | Path) -> tuple[Routes, float | None]:
    raw = vrplib.read_solution(str(path))
    cost = raw.get("cost")
    return [list(map(int, r)) for r in raw["routes"]], None if cost is None else float(cost)
