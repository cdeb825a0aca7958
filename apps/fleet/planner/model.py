"""Planner input and output: frozen, typed dataclasses without any framework dependency.

Times are integer seconds from midnight of the planning day, distances integer metres and
loads integer "load units" (bottles, cylinders, crates). Costs are integer "cost units"
weighted by :class:`Objective`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

DAY_S: Final = 24 * 3600

# Reason codes for stops the planner could not (or chose not to) serve.
NO_SKILLED_COURIER: Final = "no_skilled_courier"
CAPACITY: Final = "capacity"
TIME_WINDOW: Final = "time_window"
UNREACHABLE: Final = "unreachable"
NOT_PLACED: Final = "not_placed"
DROP_REASONS: Final = frozenset(
    {NO_SKILLED_COURIER, CAPACITY, TIME_WINDOW, UNREACHABLE, NOT_PLACED}
)


@dataclass(frozen=True, slots=True)
class GeoPoint:
    lat: float
    lng: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Depot:
    location: GeoPoint
    open_s: int = 0
    close_s: int = DAY_S
    # Loading time at the depot at the start of every trip that leaves from it.
    reload_s: int = 0


@dataclass(frozen=True, slots=True)
class Break:
    earliest_start_s: int
    latest_start_s: int
    duration_s: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Vehicle:
    id: str
    capacity: int
    start: GeoPoint | None = None  # courier's current position; None means the depot
    shift_start_s: int = 0
    shift_end_s: int = DAY_S
    rest_break: Break | None = None
    skills: frozenset[str] = frozenset()
    vehicle_type: str = "car"  # speed profile key for the distance provider
    fixed_cost: int = 0
    max_trips: int | None = None  # None: reload as often as useful; 1: a single trip

    def __post_init__(self) -> None:
        object.__setattr__(self, "skills", frozenset(self.skills))
        if self.capacity < 0:
            raise ValueError(f"vehicle {self.id}: negative capacity")
        if self.shift_end_s < self.shift_start_s:
            raise ValueError(f"vehicle {self.id}: shift ends before it starts")
        if self.max_trips is not None and self.max_trips < 1:
            raise ValueError(f"vehicle {self.id}: max_trips must be at least 1")


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeWindow:
    start_s: int = 0
    end_s: int = DAY_S  # hard: service must start by then
    soft_end_s: int | None = None  # service starting later costs late_penalty_per_s
    late_penalty_per_s: int = 0

    def __post_init__(self) -> None:
        if self.end_s < self.start_s:
            raise ValueError(f"time window ends ({self.end_s}) before it starts ({self.start_s})")
        if self.late_penalty_per_s < 0:
            raise ValueError("negative lateness penalty")

    def lateness_s(self, service_start_s: int) -> int:
        if self.soft_end_s is None:
            return 0
        return max(0, service_start_s - self.soft_end_s)


@dataclass(frozen=True, slots=True, kw_only=True)
class Stop:
    id: str
    location: GeoPoint
    demand: int = 0
    service_s: int = 0
    window: TimeWindow = field(default_factory=TimeWindow)
    required_skills: frozenset[str] = frozenset()
    optional: bool = False
    drop_penalty: int = 0  # cost of not serving an optional stop
    # Stops already started or finished: they stay with this courier, in this order,
    # at the head of the courier's route.
    fixed_vehicle_id: str | None = None
    fixed_position: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "required_skills", frozenset(self.required_skills))
        if self.demand < 0 or self.service_s < 0:
            raise ValueError(f"stop {self.id}: negative demand or service time")
        if self.fixed_position is not None and self.fixed_vehicle_id is None:
            raise ValueError(f"stop {self.id}: fixed_position needs fixed_vehicle_id")

    @property
    def is_fixed(self) -> bool:
        return self.fixed_position is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Objective:
    """Weights of the minimised cost: time first, then distance, then vehicles used."""

    duration_weight: int = 10  # per second of route duration (travel, service, waiting)
    distance_weight: int = 1  # per metre
    vehicle_fixed_cost: int = 0  # per vehicle used, on top of Vehicle.fixed_cost


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanningProblem:
    depot: Depot
    vehicles: tuple[Vehicle, ...]
    stops: tuple[Stop, ...]
    objective: Objective = field(default_factory=Objective)

    def __post_init__(self) -> None:
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        object.__setattr__(self, "stops", tuple(self.stops))
        _require_unique("vehicle", [v.id for v in self.vehicles])
        _require_unique("stop", [s.id for s in self.stops])
        vehicle_ids = {v.id for v in self.vehicles}
        for stop in self.stops:
            if stop.fixed_vehicle_id is not None and stop.fixed_vehicle_id not in vehicle_ids:
                raise ValueError(f"stop {stop.id}: unknown vehicle {stop.fixed_vehicle_id}")

    def vehicle(self, vehicle_id: str) -> Vehicle:
        return next(v for v in self.vehicles if v.id == vehicle_id)

    def stop(self, stop_id: str) -> Stop:
        return next(s for s in self.stops if s.id == stop_id)


def _require_unique(kind: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"duplicate {kind} id {item!r}")
        seen.add(item)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceTimeRule:
    """Service time = base + per unit + per unit and floor carried up without a lift."""

    base_s: int = 60
    per_unit_s: int = 15
    per_unit_floor_s: int = 10

    def service_s(self, demand: int, *, floor: int = 1, has_elevator: bool = True) -> int:
        return service_time_s(
            demand,
            floor=floor,
            has_elevator=has_elevator,
            base_s=self.base_s,
            per_unit_s=self.per_unit_s,
            per_unit_floor_s=self.per_unit_floor_s,
        )


def service_time_s(
    demand: int,
    *,
    floor: int = 1,
    has_elevator: bool = True,
    base_s: int = 60,
    per_unit_s: int = 15,
    per_unit_floor_s: int = 10,
) -> int:
    """Service time of one drop-off; floors count from 1 (ground floor)."""
    floors_carried = 0 if has_elevator else max(0, floor - 1)
    return base_s + demand * per_unit_s + demand * floors_carried * per_unit_floor_s


@dataclass(frozen=True, slots=True, kw_only=True)
class Visit:
    stop_id: str
    arrival_s: int
    service_start_s: int  # arrival plus any wait for the window to open (or a break)
    departure_s: int
    load_after: int  # load units still on board after this drop-off


@dataclass(frozen=True, slots=True, kw_only=True)
class Trip:
    """One loop: leave the depot (or the courier's start) loaded, deliver, return."""

    start_s: int  # departure from the depot / start position
    end_s: int  # arrival back at the depot
    load: int  # units on board when leaving
    distance_m: int
    visits: tuple[Visit, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class VehicleRoute:
    vehicle_id: str
    trips: tuple[Trip, ...]
    start_s: int
    end_s: int
    distance_m: int
    duration_s: int
    break_start_s: int | None = None
    lateness_s: int = 0  # total service-start time past soft window ends

    @property
    def visits(self) -> tuple[Visit, ...]:
        return tuple(visit for trip in self.trips for visit in trip.visits)

    @property
    def stop_ids(self) -> list[str]:
        return [visit.stop_id for visit in self.visits]


@dataclass(frozen=True, slots=True)
class DroppedStop:
    stop_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanningResult:
    routes: tuple[VehicleRoute, ...]  # used vehicles only, in problem order
    dropped: tuple[DroppedStop, ...]
    total_distance_m: int
    total_duration_s: int
    cost: int
    feasible: bool  # every required stop served and every constraint met
    solver: str = ""

    def route_for(self, vehicle_id: str) -> VehicleRoute | None:
        return next((r for r in self.routes if r.vehicle_id == vehicle_id), None)

    def dropped_reason(self, stop_id: str) -> str | None:
        return next((d.reason for d in self.dropped if d.stop_id == stop_id), None)
