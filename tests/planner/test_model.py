"""Input validation and the service-time helper."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apps.fleet.planner import (
    Depot,
    ServiceTimeRule,
    Stop,
    TimeWindow,
    Vehicle,
    service_time_s,
)
from tests.planner.helpers import at, problem


def test_service_time_adds_units_and_floors_carried_without_a_lift() -> None:
    assert service_time_s(3, base_s=60, per_unit_s=15, per_unit_floor_s=10) == 105
    # 5th floor, no lift: 3 units carried up 4 floors.
    walk_up = service_time_s(
        3, floor=5, has_elevator=False, base_s=60, per_unit_s=15, per_unit_floor_s=10
    )
    assert walk_up == 60 + 45 + 120
    rule = ServiceTimeRule(base_s=30, per_unit_s=5, per_unit_floor_s=2)
    assert rule.service_s(2, floor=3, has_elevator=False) == 30 + 10 + 8
    assert rule.service_s(2, floor=3, has_elevator=True) == 30 + 10


def test_lateness_is_measured_from_the_soft_end() -> None:
    window = TimeWindow(start_s=0, end_s=900, soft_end_s=600, late_penalty_per_s=2)
    assert (window.lateness_s(550), window.lateness_s(700)) == (0, 100)
    assert TimeWindow().lateness_s(10**6) == 0


def test_sets_are_accepted_for_skills() -> None:
    stop = Stop(id="s", location=at(1), required_skills={"gas"})  # type: ignore[arg-type]
    vehicle = Vehicle(id="v", capacity=1, skills={"gas", "crane"})  # type: ignore[arg-type]
    assert stop.required_skills == frozenset({"gas"})
    assert vehicle.skills == frozenset({"gas", "crane"})


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: problem([Vehicle(id="v", capacity=1)] * 2, []), "duplicate vehicle id 'v'"),
        (
            lambda: problem([], [Stop(id="s", location=at(1), fixed_vehicle_id="ghost")]),
            "unknown vehicle ghost",
        ),
        (lambda: Stop(id="s", location=at(1), fixed_position=0), "needs fixed_vehicle_id"),
        (lambda: Vehicle(id="v", capacity=1, max_trips=0), "max_trips"),
        (lambda: TimeWindow(start_s=900, end_s=600), "ends \\(600\\) before it starts"),
        (lambda: Vehicle(id="v", capacity=1, shift_start_s=10, shift_end_s=5), "shift ends"),
    ],
)
def test_it_rejects_inconsistent_input(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_depot_defaults_cover_the_whole_day() -> None:
    depot = Depot(location=at(0))
    assert (depot.open_s, depot.close_s, depot.reload_s) == (0, 86_400, 0)
