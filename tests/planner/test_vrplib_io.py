"""VRPLIB reading, cost conventions, solution files and the benchmark solve path."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.fleet.planner.cli import solve_vrplib_file
from apps.fleet.planner.vrplib_io import (
    check_routes,
    read_instance,
    read_solution,
    route_cost,
    write_solution,
)

TINY = """NAME : tiny
TYPE : {kind}
DIMENSION : 4
{vehicles}CAPACITY : 10
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0 0
2 3 4
3 6 8
4 -1 -1
DEMAND_SECTION
1 0
2 4
3 4
4 5
{windows}DEPOT_SECTION
1
-1
EOF
"""
WINDOWS = """TIME_WINDOW_SECTION
1 0 1000
2 0 7
3 0 1000
4 0 1000
SERVICE_TIME_SECTION
1 0
2 1
3 1
4 1
"""


@pytest.fixture
def vrptw(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.vrp"
    path.write_text(TINY.format(kind="VRPTW", vehicles="VEHICLES : 2\n", windows=WINDOWS))
    return path


@pytest.fixture
def cvrp(tmp_path: Path) -> Path:
    path = tmp_path / "tiny-cvrp.vrp"
    path.write_text(TINY.format(kind="CVRP", vehicles="", windows=""))
    return path


def test_it_truncates_vrptw_distances_to_one_decimal(vrptw: Path) -> None:
    instance = read_instance(vrptw)

    assert (instance.name, instance.num_clients, instance.vehicles) == ("tiny", 3, 2)
    assert instance.distances()[0, 3] == 14  # sqrt(2) = 1.414 -> 1.4, in tenths
    assert route_cost(instance, [[1, 2], [3]]) == pytest.approx(22.8)


def test_it_rounds_cvrp_distances_and_has_no_fleet_limit(cvrp: Path) -> None:
    instance = read_instance(cvrp)

    assert instance.vehicles is None and not instance.has_time_windows
    assert instance.distances()[0, 3] == 1
    assert route_cost(instance, [[1, 2], [3]]) == 22
    assert check_routes(instance, [[1], [2], [3]]) == []


def test_it_reports_rule_violations(vrptw: Path) -> None:
    instance = read_instance(vrptw)

    assert check_routes(instance, [[1, 2], [3]]) == []
    assert check_routes(instance, [[2, 1], [3]]) == ["route 1: client 1 reached at 16.0 > 7.0"]
    assert check_routes(instance, [[1], [2], [3]]) == ["3 routes > 2 vehicles"]
    assert check_routes(instance, [[1, 2, 3]]) == ["route 1: load 13 > capacity 10"]
    assert check_routes(instance, [[1, 1], [3]]) == [
        "client 1 visited 2 times",
        "client 2 not visited",
    ]


def test_solution_files_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "tiny.sol"

    write_solution(path, [[1, 2], [], [3]], 22.8)

    assert path.read_text().splitlines() == ["Route #1: 1 2", "Route #2: 3", "Cost: 22.8"]
    assert read_solution(path) == ([[1, 2], [3]], 22.8)


def test_benchmark_path_finds_the_optimum(vrptw: Path) -> None:
    solved = solve_vrplib_file(str(vrptw), time_limit=0.3)

    assert solved["instance"] == "tiny"
    assert sorted(solved["routes"]) == [[1, 2], [3]]
    assert solved["cost"] == pytest.approx(22.8)
    assert 0 < solved["wall_s"] < 5
