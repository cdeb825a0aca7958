"""Route planner for delivery couriers: a pure Python package (no Django).

Typical use::

    from apps.fleet.planner import PlanningProblem, plan_routes, check_plan

    result = plan_routes(problem, time_limit_s=10)
    assert result.feasible and not check_plan(problem, result)
"""

from apps.fleet.planner.checker import check_plan
from apps.fleet.planner.distances import (
    UNREACHABLE_VALUE,
    CachedProvider,
    DistanceProvider,
    GreatCircleProvider,
    OSRMError,
    OSRMProvider,
    haversine_m,
)
from apps.fleet.planner.model import (
    CAPACITY,
    DAY_S,
    NO_SKILLED_COURIER,
    NOT_PLACED,
    TIME_WINDOW,
    UNREACHABLE,
    Break,
    Depot,
    DroppedStop,
    GeoPoint,
    Objective,
    PlanningProblem,
    PlanningResult,
    ServiceTimeRule,
    Stop,
    TimeWindow,
    Trip,
    Vehicle,
    VehicleRoute,
    Visit,
    service_time_s,
)
from apps.fleet.planner.solve import plan_routes

__all__ = [
    "CAPACITY",
    "DAY_S",
    "NOT_PLACED",
    "NO_SKILLED_COURIER",
    "TIME_WINDOW",
    "UNREACHABLE",
    "UNREACHABLE_VALUE",
    "Break",
    "CachedProvider",
    "Depot",
    "DistanceProvider",
    "DroppedStop",
    "GeoPoint",
    "GreatCircleProvider",
    "OSRMError",
    "OSRMProvider",
    "Objective",
    "PlanningProblem",
    "PlanningResult",
    "ServiceTimeRule",
    "Stop",
    "TimeWindow",
    "Trip",
    "Vehicle",
    "VehicleRoute",
    "Visit",
    "check_plan",
    "haversine_m",
    "plan_routes",
    "service_time_s",
]
