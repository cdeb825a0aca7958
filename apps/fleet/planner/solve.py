"""Route planning entry point: ``plan_routes(problem, time_limit_s, seed)``.

Design
------
1. ``instance.prepare`` computes matrices through a ``DistanceProvider``, puts stops that
   are already started (``fixed_position``) at the head of their courier's route, and
   screens each free stop against each courier. Stops nobody can serve alone are dropped
   up front with a precise reason (no skilled courier, unreachable, capacity, time
   window). The rest is the *core* problem: free stops plus, per courier, where and when
   the free part of its route starts and how much of the current trip is already loaded.
2. PyVRP's iterated local search solves the core (``pyvrp_backend``): capacities,
   reloads at the depot, windows, shifts, start positions, skills (as routing profiles),
   fixed costs and optional stops with drop penalties. It is the main search.
3. When the core has breaks or soft window ends, which PyVRP cannot express, OR-Tools'
   routing solver (``ortools_backend``) polishes the PyVRP solution by local search under
   the exact model (PyVRP gets 60 % of the time; stops that would break the exact model
   are taken out of the warm start for OR-Tools to re-insert). OR-Tools (guided local
   search from its own insertion heuristic) is also the fallback when PyVRP fails, and
   ``engine="ortools"`` runs it alone. Without breaks or soft windows PyVRP gets it all.
4. ``schedule`` times every candidate with one set of rules (and places the break), stops
   that still violate a hard limit are taken out (reason "time_window"), and the cheapest
   candidate that serves the most required stops wins. Its ``feasible`` flag comes from the
   independent ``checker.check_plan``.

Stopping early: ``should_stop`` (say, "has the dispatcher cancelled?") is asked at most
every :data:`STOP_POLL_S` seconds from inside both searches — as a PyVRP stopping
criterion and as an OR-Tools search limit — so the search ends within a fraction of a
second of it saying yes, whatever the time limit; the best plan found so far comes out.

Determinism: PyVRP stops after a number of non-improving iterations, the OR-Tools polish
at a local optimum (or a solution count), each also at the deadline; for a fixed seed the
plan is reproducible whenever those criteria, not the clock, end the search (the case for
small daily plans; a few hundred stops are clock-bound).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Literal

from apps.fleet.planner import ortools_backend, pyvrp_backend
from apps.fleet.planner.checker import check_plan
from apps.fleet.planner.distances import DistanceProvider, GreatCircleProvider
from apps.fleet.planner.instance import DEPOT_POINT, RELOAD, Instance, prepare
from apps.fleet.planner.model import (
    NOT_PLACED,
    TIME_WINDOW,
    DroppedStop,
    PlanningProblem,
    PlanningResult,
    VehicleRoute,
)
from apps.fleet.planner.pyvrp_backend import CoreTrips
from apps.fleet.planner.schedule import best_timeline, route_cost, to_vehicle_route

logger = logging.getLogger(__name__)

Engine = Literal["auto", "pyvrp", "ortools"]
PYVRP_SHARE_WITH_ORTOOLS = 0.6
STOP_POLL_S = 0.25


class StopSignal:
    """Asks ``should_stop`` at most every ``poll_s`` seconds; once it said yes, stays stopped."""

    def __init__(self, should_stop: Callable[[], bool] | None, poll_s: float = STOP_POLL_S):
        self.should_stop = should_stop
        self.poll_s = poll_s
        self.next_poll = 0.0
        self.stopped = False

    def __call__(self) -> bool:
        if self.stopped or self.should_stop is None:
            return self.stopped
        now = time.monotonic()
        if now >= self.next_poll:
            self.next_poll = now + self.poll_s
            self.stopped = bool(self.should_stop())
        return self.stopped


def plan_routes(
    problem: PlanningProblem,
    time_limit_s: float = 5.0,
    seed: int = 0,
    *,
    provider: DistanceProvider | None = None,
    engine: Engine = "auto",
    should_stop: Callable[[], bool] | None = None,
) -> PlanningResult:
    deadline = time.monotonic() + time_limit_s
    stop = StopSignal(should_stop)
    inst = prepare(problem, provider or GreatCircleProvider())
    candidates: list[tuple[str, CoreTrips]] = []
    needs_exact_model = inst.has_breaks or inst.has_soft_windows
    pyvrp_failed = False
    if engine in ("auto", "pyvrp"):
        share = PYVRP_SHARE_WITH_ORTOOLS if needs_exact_model and engine == "auto" else 1.0
        budget = max(0.05, deadline - time.monotonic()) * share
        try:
            candidates.append(("pyvrp", pyvrp_backend.solve_core(inst, budget, seed, stop)))
        except Exception:  # the plan must still come out; OR-Tools takes over
            logger.exception("PyVRP failed; falling back to OR-Tools")
            pyvrp_failed = True
    polishing = engine == "auto" and (needs_exact_model or pyvrp_failed)
    if (engine == "ortools" or polishing) and not (candidates and stop()):
        warm = _warm_start(inst, candidates[0][1]) if candidates else None
        remaining = max(0.2, deadline - time.monotonic())
        polished = ortools_backend.solve_core(inst, remaining, warm, stop)
        if polished is not None:
            candidates.append(("pyvrp+ortools" if warm else "ortools", polished))
    if not candidates:
        candidates.append(("none", {}))
    results = [assemble(inst, trips, solver) for solver, trips in candidates]
    return min(results, key=_rank(problem))


def _warm_start(inst: Instance, core: CoreTrips) -> CoreTrips:
    """PyVRP's trips minus the stops that break the exact model (e.g. over the break)."""
    warm: CoreTrips = {}
    for v, trips in core.items():
        _, removed = _repair(inst, v, full_trips(inst, v, trips))
        warm[v] = [[i for i in trip if i not in removed] for trip in trips]
    return warm


def _rank(problem: PlanningProblem) -> Callable[[PlanningResult], tuple[int, bool, int]]:
    required = {s.id for s in problem.stops if not s.optional}

    def key(result: PlanningResult) -> tuple[int, bool, int]:
        missed = sum(1 for d in result.dropped if d.stop_id in required)
        return missed, not result.feasible, result.cost

    return key


def full_trips(inst: Instance, v: int, core: Sequence[Sequence[int]]) -> list[list[int]]:
    """The fixed head followed by the core trips (the first continues the head's trip)."""
    head = [list(t) for t in inst.starts[v].head]
    trips = [list(t) for t in core]
    if head and trips:
        head[-1].extend(trips[0])
        trips = trips[1:]
    return _normalise(inst, v, head + trips)


def _normalise(inst: Instance, v: int, trips: list[list[int]]) -> list[list[int]]:
    """No empty trips, except a first one that takes a courier from the field to the depot."""
    if not any(trips):
        return []
    first, rest = trips[0], [t for t in trips[1:] if t]
    if not first and inst.vehicle_points[v] == DEPOT_POINT:
        return rest
    return [first, *rest]


def assemble(inst: Instance, core: CoreTrips, solver: str) -> PlanningResult:
    problem = inst.problem
    dropped: dict[int, str] = dict(inst.dropped)
    placed = {i for trips in core.values() for trip in trips for i in trip}
    for i in inst.free:
        if i not in placed:
            dropped[i] = NOT_PLACED
    routes: list[VehicleRoute] = []
    cost = 0
    for v in range(len(problem.vehicles)):
        trips = full_trips(inst, v, core.get(v, []))
        trips, removed = _repair(inst, v, trips)
        dropped.update(dict.fromkeys(removed, TIME_WINDOW))
        if not trips:
            continue
        timeline = best_timeline(inst, v, trips)
        routes.append(to_vehicle_route(inst, v, timeline))
        cost += route_cost(inst, v, timeline)
    cost += sum(problem.stops[i].drop_penalty for i in dropped if problem.stops[i].optional)
    draft = PlanningResult(
        routes=tuple(routes),
        dropped=tuple(
            DroppedStop(problem.stops[i].id, reason) for i, reason in sorted(dropped.items())
        ),
        total_distance_m=sum(r.distance_m for r in routes),
        total_duration_s=sum(r.duration_s for r in routes),
        cost=cost,
        feasible=False,
        solver=solver,
    )
    all_served = all(problem.stops[i].optional for i in dropped)
    return replace(draft, feasible=all_served and not check_plan(problem, draft))


def _repair(inst: Instance, v: int, trips: list[list[int]]) -> tuple[list[list[int]], list[int]]:
    """Take out free stops until the route keeps every hard limit.

    Each round removes, among the free stops of the trip where the first violation occurs
    (up to that point), the one whose removal leaves the least violation.
    """
    fixed = {i for trip in inst.starts[v].head for i in trip}
    removed: list[int] = []
    while trips:
        timeline = best_timeline(inst, v, trips, trim_waits=False)
        if timeline.violation == 0:
            break
        suspects = _suspects(timeline.sequence, timeline.node_violations, fixed)
        if not suspects:
            break  # only committed stops left; the checker reports what is wrong
        worst = min(
            suspects,
            key=lambda i: best_timeline(inst, v, _without(inst, v, trips, i), False).violation,
        )
        removed.append(worst)
        trips = _without(inst, v, trips, worst)
    return trips, removed


def _suspects(sequence: Sequence[int], violations: Sequence[int], fixed: set[int]) -> list[int]:
    first = next((k for k, amount in enumerate(violations) if amount > 0), len(sequence) - 1)
    trip_start = max((k + 1 for k in range(first) if sequence[k] == RELOAD), default=0)
    suspects = [i for i in sequence[trip_start : first + 1] if i != RELOAD and i not in fixed]
    return suspects or [i for i in sequence if i != RELOAD and i not in fixed]


def _without(inst: Instance, v: int, trips: list[list[int]], stop: int) -> list[list[int]]:
    return _normalise(inst, v, [[i for i in trip if i != stop] for trip in trips])
