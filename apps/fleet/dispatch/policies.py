"""The simpler dispatch policies and the grab pool's radius, on the same dataclasses.

- **nearest**: the eligible courier closest to the order (travel distance from his
  latest position, else the depot);
- **balanced**: the eligible courier with the fewest open orders, the nearest first
  among equals;
- **auto** is the cheapest insertion of :mod:`apps.fleet.dispatch.insertion`.

Eligible means: the skills the order needs, under the cap of open orders, a vehicle
that can carry the order in one trip, and time to deliver it on its own — load it at
the depot while it is open, reach it within its window and outside his break, and be
back before his shift ends and the depot closes (timed as auto-assign times a route).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Final

from apps.fleet.dispatch.insertion import (
    EXCLUDED,
    Candidate,
    CourierState,
    Decision,
    Fleet,
    Refusal,
    Task,
    cheapest_insertion,
    rank_by_insertion,
    static_refusal,
)
from apps.fleet.planner.distances import DistanceProvider, haversine_m
from apps.fleet.planner.model import GeoPoint

AUTO: Final = "auto"
NEAREST: Final = "nearest"
BALANCED: Final = "balanced"


def start_of(courier: CourierState, depot: GeoPoint) -> GeoPoint:
    return courier.start if courier.start is not None else depot


def rank_nearest(
    fleet: Fleet, task: Task, provider: DistanceProvider, *, exclude: frozenset[int] = frozenset()
) -> Decision:
    ranked, refused = _eligible(fleet, task, provider, exclude)
    ranked.sort(key=lambda c: (c.distance_m, c.open_orders, c.courier_id))
    return Decision(tuple(ranked), tuple(refused))


def rank_balanced(
    fleet: Fleet, task: Task, provider: DistanceProvider, *, exclude: frozenset[int] = frozenset()
) -> Decision:
    ranked, refused = _eligible(fleet, task, provider, exclude)
    ranked.sort(key=lambda c: (c.open_orders, c.distance_m, c.courier_id))
    return Decision(tuple(ranked), tuple(refused))


RANKERS: Final[dict[str, Callable[..., Decision]]] = {
    AUTO: rank_by_insertion,
    NEAREST: rank_nearest,
    BALANCED: rank_balanced,
}


def rank(
    policy: str,
    fleet: Fleet,
    task: Task,
    provider: DistanceProvider,
    *,
    exclude: frozenset[int] = frozenset(),
) -> Decision:
    return RANKERS[policy](fleet, task, provider, exclude=exclude)


def _eligible(
    fleet: Fleet, task: Task, provider: DistanceProvider, exclude: frozenset[int]
) -> tuple[list[Candidate], list[Refusal]]:
    distances = travel_distances(fleet, task, provider)
    ranked: list[Candidate] = []
    refused: list[Refusal] = []
    for courier in fleet.couriers:
        reason = static_refusal(courier, task, fleet.max_open_orders)
        if courier.id in exclude:
            reason = EXCLUDED
        elif reason is None:
            reason = solo_refusal(courier, task, fleet, provider)
        if reason is not None:
            refused.append(Refusal(courier.id, reason))
            continue
        ranked.append(
            Candidate(
                courier_id=courier.id,
                open_orders=courier.open_orders,
                distance_m=distances[courier.id],
            )
        )
    return ranked, refused


def solo_refusal(
    courier: CourierState, task: Task, fleet: Fleet, provider: DistanceProvider
) -> str | None:
    """Why he could not deliver the order on its own, straight from where he is; None if he can."""
    alone = replace(courier, on_board=(), queued=())
    outcome = cheapest_insertion(alone, task, fleet, provider)
    return outcome if isinstance(outcome, str) else None


def travel_distances(fleet: Fleet, task: Task, provider: DistanceProvider) -> dict[int, int]:
    """Metres from each courier's start to the order: one small matrix per vehicle type."""
    by_type: dict[str, list[CourierState]] = {}
    for courier in fleet.couriers:
        by_type.setdefault(courier.vehicle_type, []).append(courier)
    distances: dict[int, int] = {}
    for vehicle_type, couriers in by_type.items():
        points = [task.location, *(start_of(c, fleet.depot) for c in couriers)]
        metres, _ = provider.matrix(points, vehicle_type)
        for index, courier in enumerate(couriers, start=1):
            distances[courier.id] = metres[index][0]
    return distances


def within_radius(a: GeoPoint, b: GeoPoint, radius_m: float) -> bool:
    """The grab pool's radius is a circle on the map, not a drive."""
    return haversine_m(a, b) <= radius_m
