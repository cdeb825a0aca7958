"""PyVRP (iterated local search) on the core problem.

Mapping: one vehicle type per distinct courier setup (capacity, start, shift, costs,
profile), reloads at depot 0, couriers' current positions as extra start depots, fixed-head
load as ``initial_load``. Skills and pinned stops become routing profiles: a profile is a
(speed profile, set of servable clients) pair whose matrices make every other client
unreachable (PyVRP 0.14 has no per-client vehicle restriction): their legs take four
horizons, so any use shows up as time warp and never survives in a feasible solution. Every client is optional:
required ones carry a prize larger than any route cost, so an overloaded day degrades to
"not placed" stops instead of an infeasible plan. Breaks and soft windows are not modelled
here (breaks only shorten the shift conservatively); the OR-Tools stage handles them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyvrp
from pyvrp import (
    Client,
    Depot,
    IteratedLocalSearchParams,
    Location,
    PenaltyParams,
    ProblemData,
    SolveParams,
    VehicleType,
)
from pyvrp.stop import MultipleCriteria, NoImprovement

from apps.fleet.planner.distances import UNREACHABLE_VALUE
from apps.fleet.planner.instance import DEPOT_POINT, Instance

CoreTrips = dict[int, list[list[int]]]  # vehicle -> trips of free stop indices
BLOCKED_M = UNREACHABLE_VALUE
ProfileKey = tuple[str, frozenset[int] | None]  # speed profile, servable clients (None: all)
LARGE_INSTANCE = 500  # clients


def horizon_s(inst: Instance) -> int:
    problem = inst.problem
    return max(problem.depot.close_s, *(v.shift_end_s for v in problem.vehicles))


def required_prize(inst: Instance) -> int:
    """Prize of a required stop: more than serving it can ever add to a plan's cost.

    Inserting one stop lengthens a route by at most the horizon and two legs, plus a
    vehicle's fixed cost; so a plan serving more required stops always ranks better.
    """
    problem = inst.problem
    objective = problem.objective
    longest = max(int(m[m < UNREACHABLE_VALUE].max(initial=0)) for m in inst.distance.values())
    fixed = objective.vehicle_fixed_cost + max(v.fixed_cost for v in problem.vehicles)
    bound = objective.duration_weight * horizon_s(inst) + objective.distance_weight * 2 * longest
    return 2 * (bound + fixed) + 1


class Deadline:
    """PyVRP stopping criterion on the wall clock, counting set-up time too."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, best_cost: float) -> bool:
        return time.monotonic() >= self.deadline


class Interrupt:
    """PyVRP stopping criterion that ends the search when the caller says so."""

    def __init__(self, should_stop: Callable[[], bool]) -> None:
        self.should_stop = should_stop

    def __call__(self, best_cost: float) -> bool:
        return self.should_stop()


def solve_core(
    inst: Instance,
    time_limit_s: float,
    seed: int,
    should_stop: Callable[[], bool] | None = None,
) -> CoreTrips:
    if not inst.free or not inst.problem.vehicles:
        return {}
    deadline = time.monotonic() + max(0.05, time_limit_s)
    model = _CoreModel(inst)
    criteria: list[Any] = [Deadline(deadline), NoImprovement(max(500, 20 * len(inst.free)))]
    if should_stop is not None:
        criteria.append(Interrupt(should_stop))
    stop = MultipleCriteria(criteria)
    penalties = _Penalties(
        solutions_between_updates=min(500, max(50, 5 * len(inst.free))),
        # A unit of excess load or time warp may grow to cost a required stop's prize, so
        # an infeasible plan that keeps a stop cannot stay cheaper than dropping it...
        max_penalty=float(max(100_000, model.prize)),
    )
    params = SolveParams(penalty=penalties, ils=_search_params(len(inst.free)))
    result = pyvrp.solve(model.data, stop=stop, seed=seed, collect_stats=False, params=params)
    return model.extract(result.best)


def _search_params(num_clients: int) -> IteratedLocalSearchParams:
    if num_clients < LARGE_INSTANCE:
        return IteratedLocalSearchParams()
    # A minute buys only ~20k iterations on 1,000 clients; the default late-acceptance
    # history (300) then accepts worse solutions for too long. Measured on R1_10_1 at 30 s:
    # history 300 / 100 / 50 / 10 gave gaps of 5.8 / 4.1 / 3.0 / 4.2 %.
    return IteratedLocalSearchParams(history_length=50)


@dataclass
class _Penalties(PenaltyParams):
    """...but the search starts at PyVRP's usual level, free to pass through infeasible
    plans (e.g. an overloaded trip on the way to a reload), rather than at the midpoint."""

    initial: float = 50_000.0

    def midpoint_penalties(self, data: ProblemData) -> tuple[list[float], float, float]:
        return [self.initial] * data.num_load_dimensions, self.initial, self.initial


class _CoreModel:
    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.clients = list(inst.free)  # client index -> stop index
        self.prize = required_prize(inst)
        # Finite "forbidden" values: MAX_VALUE times a large penalty would overflow int64.
        self.blocked_s = 4 * horizon_s(inst)
        self.depots, self.start_depot = self._depots()
        self.profile_keys: list[ProfileKey] = []
        self.vehicle_types, self.type_vehicles = self._vehicle_types()
        distances: list[Any] = [
            self._matrix(key, inst.distance, BLOCKED_M) for key in self.profile_keys
        ]
        durations: list[Any] = [
            self._matrix(key, inst.duration, self.blocked_s) for key in self.profile_keys
        ]
        self.data = ProblemData(
            locations=[Location(x=p.lng, y=p.lat) for p in inst.points],
            clients=self._clients(),
            depots=self.depots,
            vehicle_types=self.vehicle_types,
            distance_matrices=distances,
            duration_matrices=durations,
        )

    def _depots(self) -> tuple[list[Depot], list[int]]:
        depot = self.inst.problem.depot
        depots = [
            Depot(
                location=DEPOT_POINT,
                tw_early=depot.open_s,
                tw_late=depot.close_s,
                service_duration=depot.reload_s,
            )
        ]
        start_depot = []
        for start in self.inst.starts:
            if start.at_depot:
                start_depot.append(0)
            else:
                start_depot.append(len(depots))
                depots.append(Depot(location=start.point))
        return depots, start_depot

    def _clients(self) -> list[Client]:
        prize = self.prize
        clients = []
        for i in self.clients:
            stop = self.inst.problem.stops[i]
            clients.append(
                Client(
                    location=self.inst.stop_points[i],
                    delivery=[stop.demand],
                    service_duration=stop.service_s,
                    tw_early=stop.window.start_s,
                    tw_late=stop.window.end_s,
                    prize=stop.drop_penalty if stop.optional else prize,
                    required=False,
                    name=stop.id,
                )
            )
        return clients

    def _profile(self, v: int) -> int:
        vehicle = self.inst.problem.vehicles[v]
        servable = frozenset(c for c, i in enumerate(self.clients) if v in self.inst.allowed[i])
        key = (vehicle.vehicle_type, None if len(servable) == len(self.clients) else servable)
        if key not in self.profile_keys:
            self.profile_keys.append(key)
        return self.profile_keys.index(key)

    def _vehicle_types(self) -> tuple[list[VehicleType], list[list[int]]]:
        groups: dict[tuple, list[int]] = defaultdict(list)
        for v in range(len(self.inst.problem.vehicles)):
            groups[self._type_key(v)].append(v)
        types = [
            VehicleType(num_available=len(members), **dict(key)) for key, members in groups.items()
        ]
        return types, list(groups.values())

    def _type_key(self, v: int) -> tuple:
        inst = self.inst
        objective = inst.problem.objective
        vehicle = inst.problem.vehicles[v]
        start = inst.starts[v]
        brk = inst.core_break(v)
        # Conservative: the solver cannot place a break, so it must fit before shift end.
        shift_end = vehicle.shift_end_s - (brk.duration_s if brk else 0)
        reloads = None if start.trips_left is None else start.trips_left - 1
        fields: dict[str, object] = {
            "capacity": (vehicle.capacity,),
            "start_depot": self.start_depot[v],
            "end_depot": 0,
            "fixed_cost": 0 if start.head else objective.vehicle_fixed_cost + vehicle.fixed_cost,
            "tw_early": start.time_s,
            "tw_late": max(start.time_s, shift_end),
            "unit_distance_cost": objective.distance_weight,
            "unit_duration_cost": objective.duration_weight,
            "profile": self._profile(v),
            "initial_load": (start.load,),
            "reload_depots": (0,) if reloads != 0 else (),
        }
        if reloads:
            fields["max_reloads"] = reloads
        return tuple(sorted(fields.items()))

    def _matrix(
        self, key: ProfileKey, matrices: dict[str, np.ndarray], blocked_value: int
    ) -> np.ndarray:
        vehicle_type, servable = key
        matrix = np.minimum(matrices[vehicle_type], blocked_value).astype(np.int64)
        if servable is None:
            return matrix
        blocked = [
            self.inst.stop_points[i] for c, i in enumerate(self.clients) if c not in servable
        ]
        matrix[:, blocked] = blocked_value
        matrix[blocked, :] = blocked_value
        np.fill_diagonal(matrix, 0)
        return matrix

    def extract(self, solution: pyvrp.Solution) -> CoreTrips:
        """Trips per vehicle; the first trip is kept even if empty (it closes the head)."""
        used = [0] * len(self.type_vehicles)
        trips: CoreTrips = {}
        for route in solution.routes():
            vehicle_type = route.vehicle_type()
            v = self.type_vehicles[vehicle_type][used[vehicle_type]]
            used[vehicle_type] += 1
            by_trip: dict[int, list[int]] = defaultdict(list)
            for activity in route.schedule():
                if activity.is_client():
                    by_trip[activity.trip].append(self.clients[activity.idx])
            first = by_trip.pop(0, [])
            trips[v] = [first] + [by_trip[t] for t in sorted(by_trip) if by_trip[t]]
        return trips
