"""benchmark_planner solves VRPLIB instances through plan_routes, the product's entry point."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from apps.fleet.planner import cli
from apps.fleet.planner.vrplib_io import check_routes, read_instance
from tests.planner.test_vrplib_io import TINY, WINDOWS


def run(path: Path, limit: str = "0.5") -> dict[str, Any]:
    out = io.StringIO()
    call_command("benchmark_planner", str(path), "--time-limit", limit, stdout=out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []
    real = cli.plan_routes

    def spy(problem: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(len(problem.stops))
        return real(problem, *args, **kwargs)

    monkeypatch.setattr(cli, "plan_routes", spy)
    return seen


def test_a_vrptw_instance_goes_through_plan_routes_and_prints_the_same_json(
    tmp_path: Path, calls: list[int]
) -> None:
    path = tmp_path / "tiny.vrp"
    path.write_text(TINY.format(kind="VRPTW", vehicles="VEHICLES : 2\n", windows=WINDOWS))

    solved = run(path)

    assert calls == [3]
    assert list(solved) == ["instance", "routes", "cost", "wall_s"]
    assert solved["instance"] == "tiny"
    assert sorted(solved["routes"]) == [[1, 2], [3]]
    assert solved["cost"] == pytest.approx(22.8)
    assert not check_routes(read_instance(path), solved["routes"])


def test_a_cvrp_instance_has_an_unlimited_fleet_without_time_limits(
    tmp_path: Path, calls: list[int]
) -> None:
    path = tmp_path / "tiny-cvrp.vrp"
    path.write_text(TINY.format(kind="CVRP", vehicles="", windows=""))

    solved = run(path)

    assert calls == [3]
    instance = read_instance(path)
    assert not check_routes(instance, solved["routes"])
    problem = cli.problem_from_instance(instance)
    assert len(problem.vehicles) == 3 and all(v.max_trips == 1 for v in problem.vehicles)
    assert problem.objective.duration_weight == 0
