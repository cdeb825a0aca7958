"""OR-Tools routing on the core problem, with what PyVRP cannot express.

Exact models of breaks (``SetBreakIntervalsOfVehicle``: anywhere in travel or waiting,
never during service), soft window ends (``SetCumulVarSoftUpperBound``) and skills
(allowed vehicles per stop). Reloads are per-vehicle optional copies of the depot that
empty the load dimension through its slack. Used as a local-search polish of the PyVRP
solution under this exact model, and on its own (guided local search) as the fallback.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from apps.fleet.planner.instance import DEPOT_POINT, Instance
from apps.fleet.planner.pyvrp_backend import CoreTrips, required_prize

MAX_RELOAD_NODES_PER_VEHICLE = 12


class _Nodes:
    """Node layout: 0 depot (route ends), 1..V starts, then free stops, then reloads."""

    def __init__(self, inst: Instance, warm: Mapping[int, list[list[int]]]) -> None:
        problem = inst.problem
        self.num_vehicles = len(problem.vehicles)
        self.point = [DEPOT_POINT] + [s.point for s in inst.starts]
        self.service = [0] + [problem.depot.reload_s if s.at_depot else 0 for s in inst.starts]
        self.demand = [0] * (1 + self.num_vehicles)
        self.stop_of: dict[int, int] = {}
        self.node_of: dict[int, int] = {}
        for i in inst.free:
            self.node_of[i] = len(self.point)
            self.stop_of[len(self.point)] = i
            self.point.append(inst.stop_points[i])
            self.service.append(problem.stops[i].service_s)
            self.demand.append(problem.stops[i].demand)
        self.max_capacity = max([1, *(v.capacity for v in problem.vehicles)])
        self.reloads: dict[int, list[int]] = {}
        for v in range(self.num_vehicles):
            count = _reload_count(inst, v, len(warm.get(v, [])))
            self.reloads[v] = list(range(len(self.point), len(self.point) + count))
            self.point += [DEPOT_POINT] * count
            self.service += [problem.depot.reload_s] * count
            self.demand += [-self.max_capacity] * count

    def __len__(self) -> int:
        return len(self.point)


def _reload_count(inst: Instance, v: int, warm_trips: int) -> int:
    vehicle = inst.problem.vehicles[v]
    demand = sum(inst.problem.stops[i].demand for i in inst.free if v in inst.allowed[i])
    needed = math.ceil((demand + inst.starts[v].load) / max(1, vehicle.capacity))
    count = min(MAX_RELOAD_NODES_PER_VEHICLE, max(needed, 1), len(inst.free))
    count = max(count, warm_trips - 1)
    left = inst.starts[v].trips_left
    return count if left is None else min(count, left - 1)


def solve_core(
    inst: Instance,
    time_limit_s: float,
    warm: CoreTrips | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> CoreTrips | None:
    """Best core trips found, or None if OR-Tools found no solution in time.

    ``should_stop`` becomes a search limit the solver checks as it goes: when it says
    yes, the search ends with the best solution so far.
    """
    if not inst.free or not inst.problem.vehicles:
        return {}
    deadline = time.monotonic() + time_limit_s
    warm = warm or {}
    nodes = _Nodes(inst, warm)
    manager = pywrapcp.RoutingIndexManager(
        len(nodes),
        nodes.num_vehicles,
        list(range(1, nodes.num_vehicles + 1)),
        [0] * nodes.num_vehicles,
    )
    routing = pywrapcp.RoutingModel(manager)
    _add_costs(inst, nodes, routing)
    _add_load(inst, nodes, manager, routing)
    _add_time(inst, nodes, manager, routing)
    _add_assignment_rules(inst, nodes, manager, routing)
    params = _search_parameters(deadline - time.monotonic(), len(inst.free), polish=False)
    routing.CloseModelWithParameters(params)
    if should_stop is not None:
        routing.AddSearchMonitor(routing.solver().CustomLimit(should_stop))
    initial = None
    if warm:
        initial = routing.solver().Assignment()
        if not routing.RoutesToAssignment(_warm_routes(nodes, manager, warm), True, True, initial):
            initial = None
    solution = None
    if initial is not None:
        polish = _search_parameters(deadline - time.monotonic(), len(inst.free), polish=True)
        solution = routing.SolveFromAssignmentWithParameters(initial, polish)
    if solution is None and deadline - time.monotonic() > 0.05 and not _stopped(should_stop):
        params.time_limit.FromMilliseconds(max(50, int((deadline - time.monotonic()) * 1000)))
        solution = routing.SolveWithParameters(params)
    if solution is None:
        return None
    return _extract(nodes, manager, routing, solution)


def _stopped(should_stop: Callable[[], bool] | None) -> bool:
    return should_stop is not None and should_stop()


def _add_costs(inst: Instance, nodes: _Nodes, routing: pywrapcp.RoutingModel) -> None:
    problem = inst.problem
    weight = problem.objective.distance_weight
    evaluators: dict[str, int] = {}
    for v, vehicle in enumerate(problem.vehicles):
        if vehicle.vehicle_type not in evaluators:
            dist = inst.distance[vehicle.vehicle_type][np.ix_(nodes.point, nodes.point)]
            evaluators[vehicle.vehicle_type] = routing.RegisterTransitMatrix(
                (weight * dist).tolist()
            )
        routing.SetArcCostEvaluatorOfVehicle(evaluators[vehicle.vehicle_type], v)
        if not inst.starts[v].head:
            fixed = problem.objective.vehicle_fixed_cost + vehicle.fixed_cost
            routing.SetFixedCostOfVehicle(fixed, v)


def _add_load(
    inst: Instance,
    nodes: _Nodes,
    manager: pywrapcp.RoutingIndexManager,
    routing: pywrapcp.RoutingModel,
) -> None:
    vehicles = inst.problem.vehicles
    demand = routing.RegisterUnaryTransitVector(nodes.demand)
    routing.AddDimensionWithVehicleCapacity(
        demand, nodes.max_capacity, [v.capacity for v in vehicles], False, "load"
    )
    load = routing.GetDimensionOrDie("load")
    reload_nodes = {n for nodes_of_v in nodes.reloads.values() for n in nodes_of_v}
    for node in range(1, len(nodes)):
        if node not in reload_nodes:
            load.SlackVar(manager.NodeToIndex(node)).SetValue(0)
    for v in range(len(vehicles)):
        load.CumulVar(routing.Start(v)).SetValue(inst.starts[v].load)


def _add_time(
    inst: Instance,
    nodes: _Nodes,
    manager: pywrapcp.RoutingIndexManager,
    routing: pywrapcp.RoutingModel,
) -> None:
    problem = inst.problem
    depot = problem.depot
    horizon = max(depot.close_s, *(v.shift_end_s for v in problem.vehicles)) + 1
    evaluators: dict[str, int] = {}
    for vehicle in problem.vehicles:
        if vehicle.vehicle_type not in evaluators:
            dur = inst.duration[vehicle.vehicle_type][np.ix_(nodes.point, nodes.point)]
            transit = np.asarray(nodes.service, dtype=np.int64)[:, None] + dur
            evaluators[vehicle.vehicle_type] = routing.RegisterTransitMatrix(transit.tolist())
    routing.AddDimensionWithVehicleTransits(
        [evaluators[v.vehicle_type] for v in problem.vehicles], horizon, horizon, False, "time"
    )
    time = routing.GetDimensionOrDie("time")
    for node, i in nodes.stop_of.items():
        window = problem.stops[i].window
        index = manager.NodeToIndex(node)
        time.CumulVar(index).SetRange(window.start_s, window.end_s)
        if window.soft_end_s is not None and window.late_penalty_per_s > 0:
            time.SetCumulVarSoftUpperBound(index, window.soft_end_s, window.late_penalty_per_s)
    for nodes_of_v in nodes.reloads.values():
        for node in nodes_of_v:
            time.CumulVar(manager.NodeToIndex(node)).SetRange(depot.open_s, depot.close_s)
    visit_transits = [nodes.service[manager.IndexToNode(i)] for i in range(routing.Size())]
    for v, vehicle in enumerate(problem.vehicles):
        start = inst.starts[v]
        earliest, latest = start.time_s, vehicle.shift_end_s
        if start.at_depot:
            earliest, latest = max(earliest, depot.open_s), min(latest, depot.close_s)
        time.CumulVar(routing.Start(v)).SetRange(earliest, max(earliest, latest))
        end = time.CumulVar(routing.End(v))
        end.SetRange(depot.open_s, max(depot.open_s, min(depot.close_s, vehicle.shift_end_s)))
        time.SetSpanCostCoefficientForVehicle(problem.objective.duration_weight, v)
        routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(end)
        brk = inst.core_break(v)
        if brk is not None:
            interval = routing.solver().FixedDurationIntervalVar(
                brk.earliest_start_s, brk.latest_start_s, brk.duration_s, False, f"break {v}"
            )
            time.SetBreakIntervalsOfVehicle([interval], v, visit_transits)


def _add_assignment_rules(
    inst: Instance,
    nodes: _Nodes,
    manager: pywrapcp.RoutingIndexManager,
    routing: pywrapcp.RoutingModel,
) -> None:
    prize = required_prize(inst)
    everyone = set(range(nodes.num_vehicles))
    for node, i in nodes.stop_of.items():
        index = manager.NodeToIndex(node)
        stop = inst.problem.stops[i]
        if set(inst.allowed[i]) != everyone:
            _allow_only(routing, index, sorted(inst.allowed[i]))
        routing.AddDisjunction([index], stop.drop_penalty if stop.optional else prize)
    for v, nodes_of_v in nodes.reloads.items():
        for node in nodes_of_v:
            index = manager.NodeToIndex(node)
            _allow_only(routing, index, [v])
            routing.AddDisjunction([index], 0)


def _allow_only(routing: pywrapcp.RoutingModel, index: int, vehicles: list[int]) -> None:
    # SetAllowedVehiclesForIndex's absl::Span argument has no Python typemap in 9.15;
    # restricting the vehicle variable is equivalent (-1 keeps "unperformed" possible).
    routing.VehicleVar(index).SetValues([-1, *vehicles])


def _search_parameters(
    time_limit_s: float, size: int, *, polish: bool
) -> pywrapcp.DefaultRoutingSearchParameters:
    """Guided local search from scratch; plain descent to polish a warm start.

    Descent stops by itself at a local optimum, so a polished plan does not depend on the
    clock; from scratch, a solution count limit keeps small plans reproducible.
    """
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
        if polish
        else routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    limit_ms = max(50, int(time_limit_s * 1000))
    params.time_limit.FromMilliseconds(limit_ms)
    if polish:
        # Restoring the warm start counts against this per-neighbour completion limit
        # (100 ms by default); with a few hundred stops and breaks it fails under load.
        params.lns_time_limit.FromMilliseconds(limit_ms)
    params.solution_limit = 50 + 5 * size
    return params


def _warm_routes(
    nodes: _Nodes, manager: pywrapcp.RoutingIndexManager, warm: Mapping[int, list[list[int]]]
) -> list[list[int]]:
    routes: list[list[int]] = []
    for v in range(nodes.num_vehicles):
        route: list[int] = []
        reloads = iter(nodes.reloads[v])
        for n, trip in enumerate(warm.get(v, [])):
            if n:
                route.append(manager.NodeToIndex(next(reloads)))
            route.extend(manager.NodeToIndex(nodes.node_of[i]) for i in trip)
        routes.append(route)
    return routes


def _extract(
    nodes: _Nodes,
    manager: pywrapcp.RoutingIndexManager,
    routing: pywrapcp.RoutingModel,
    solution: pywrapcp.Assignment,
) -> CoreTrips:
    trips: CoreTrips = {}
    for v in range(nodes.num_vehicles):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        vehicle_trips: list[list[int]] = [[]]
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node in nodes.stop_of:
                vehicle_trips[-1].append(nodes.stop_of[node])
            elif vehicle_trips[-1]:
                vehicle_trips.append([])
            elif len(vehicle_trips) == 1:
                vehicle_trips.append([])  # leaves straight for the depot: keep that
            index = solution.Value(routing.NextVar(index))
        cleaned = [vehicle_trips[0]] + [t for t in vehicle_trips[1:] if t]
        if any(cleaned):
            trips[v] = cleaned
    return trips
