"""plan_routes on tiny instances whose optimal plans are known by hand.

Test world: Manhattan kilometres, 10 m/s (1 km = 100 s), objective = 10 x duration +
distance. Every result goes through the independent checker with the same provider.
"""

from __future__ import annotations

import random
import time
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.fleet.planner import (
    CAPACITY,
    NO_SKILLED_COURIER,
    NOT_PLACED,
    TIME_WINDOW,
    UNREACHABLE,
    Break,
    Depot,
    DroppedStop,
    Objective,
    PlanningProblem,
    PlanningResult,
    Stop,
    TimeWindow,
    Vehicle,
    plan_routes,
)
from tests.planner.helpers import GridProvider, assert_valid, at, problem, trips_of

ENGINES = ["auto", "pyvrp", "ortools"]


def timings(result: PlanningResult, vehicle_id: str) -> list[tuple[str, int, int, int]]:
    route = result.route_for(vehicle_id)
    assert route is not None
    return [(v.stop_id, v.arrival_s, v.service_start_s, v.departure_s) for v in route.visits]


@pytest.mark.parametrize("engine", ENGINES)
def test_it_reloads_when_capacity_forces_a_second_trip(engine: str) -> None:
    provider = GridProvider()
    depot = Depot(location=at(0), reload_s=120)
    stops = [
        Stop(id="A", location=at(1), demand=6, service_s=60),
        Stop(id="B", location=at(2), demand=4, service_s=60),
        Stop(id="C", location=at(-1), demand=8, service_s=60),
    ]
    plan = problem([Vehicle(id="v", capacity=10)], stops, depot=depot)

    result = plan_routes(plan, 1.0, provider=provider, engine=engine)

    assert sorted(sorted(trip) for trip in trips_of(result, "v")) == [["A", "B"], ["C"]]
    route = result.route_for("v")
    assert sorted(trip.load for trip in route.trips) == [8, 10]
    # loading 120 + trip A/B (400 driving, 120 service) + reload 120 + trip C (200, 60)
    assert route.duration_s == 1020
    assert result.total_distance_m == 6000
    assert route.trips[1].start_s == route.trips[0].end_s + 120
    assert result.feasible and result.dropped == ()
    assert_valid(plan, result, provider)


def test_it_orders_stops_by_time_window_and_leaves_late_instead_of_waiting() -> None:
    provider = GridProvider()
    stops = [
        Stop(id="A", location=at(2), service_s=60, window=TimeWindow(start_s=0, end_s=300)),
        Stop(id="B", location=at(1), service_s=60, window=TimeWindow(start_s=600, end_s=900)),
    ]
    plan = problem([Vehicle(id="v", capacity=10)], stops)

    result = plan_routes(plan, 1.0, provider=provider)

    # Geometry says B then A, but B opens too late for A's window afterwards.
    assert timings(result, "v") == [("A", 300, 300, 360), ("B", 460, 600, 660)]
    route = result.route_for("v")
    assert (route.start_s, route.end_s, route.duration_s) == (100, 760, 660)
    assert_valid(plan, result, provider)


@pytest.mark.parametrize("engine", ENGINES)
def test_it_gives_gas_stops_only_to_the_certified_courier(engine: str) -> None:
    provider = GridProvider()
    vehicles = [
        Vehicle(id="plain", capacity=20),
        Vehicle(id="certified", capacity=20, skills=frozenset({"gas"})),
    ]
    stops = [
        Stop(id="W1", location=at(1), demand=2, service_s=60),
        Stop(id="G", location=at(1, 1), demand=1, service_s=60, required_skills={"gas"}),
        Stop(id="W2", location=at(2), demand=2, service_s=60),
        Stop(id="X", location=at(1), demand=1, required_skills={"crane"}),
    ]
    plan = problem(vehicles, stops, objective=Objective(vehicle_fixed_cost=100_000))

    result = plan_routes(plan, 1.0, provider=provider, engine=engine)

    # One courier is cheaper than two, and only the certified one may take G.
    assert [r.vehicle_id for r in result.routes] == ["certified"]
    assert sorted(result.route_for("certified").stop_ids) == ["G", "W1", "W2"]
    assert result.dropped == (DroppedStop("X", NO_SKILLED_COURIER),)
    assert not result.feasible  # a required stop could not be served
    assert_valid(plan, result, provider)


@pytest.mark.parametrize("engine", ENGINES)
def test_it_schedules_the_break_between_services(engine: str) -> None:
    provider = GridProvider()
    courier = Vehicle(id="v", capacity=10, rest_break=Break(200, 200, 600))
    stops = [
        Stop(id="A", location=at(1), service_s=60, window=TimeWindow(end_s=150)),
        Stop(id="B", location=at(2), service_s=60),
    ]
    plan = problem([courier], stops)

    result = plan_routes(plan, 1.0, provider=provider, engine=engine)

    route = result.route_for("v")
    assert route.break_start_s == 200
    # A is served 100-160; the break (200-800) is taken on the way, so B is reached at 860.
    assert timings(result, "v") == [("A", 100, 100, 160), ("B", 860, 860, 920)]
    assert (route.start_s, route.end_s) == (0, 1120)
    assert result.feasible
    assert_valid(plan, result, provider)


def test_it_keeps_started_stops_with_their_courier_in_order() -> None:
    provider = GridProvider()
    vehicles = [Vehicle(id="a", capacity=10), Vehicle(id="b", capacity=10)]
    stops = [
        Stop(id="N", location=at(3.1), demand=1, service_s=60),
        Stop(
            id="F2", location=at(-1), demand=2, service_s=60, fixed_vehicle_id="a", fixed_position=1
        ),
        Stop(
            id="F1", location=at(3), demand=2, service_s=60, fixed_vehicle_id="a", fixed_position=0
        ),
        Stop(id="M", location=at(0, 2), demand=1, service_s=60),
    ]
    plan = problem(vehicles, stops)

    result = plan_routes(plan, 1.0, provider=provider)

    route_a = result.route_for("a")
    assert route_a.stop_ids[:2] == ["F1", "F2"]
    assert timings(result, "a")[:2] == [("F1", 300, 300, 360), ("F2", 760, 760, 820)]
    served = [s for r in result.routes for s in r.stop_ids]
    assert sorted(served) == ["F1", "F2", "M", "N"]
    assert result.feasible
    assert_valid(plan, result, provider)


def test_it_drops_an_optional_order_that_costs_more_than_its_penalty() -> None:
    provider = GridProvider()
    stops = [
        Stop(id="R", location=at(1), service_s=60),
        Stop(id="far", location=at(50), service_s=60, optional=True, drop_penalty=100),
        Stop(id="worth_it", location=at(2), service_s=60, optional=True, drop_penalty=10**9),
    ]
    plan = problem([Vehicle(id="v", capacity=10)], stops)

    result = plan_routes(plan, 1.0, provider=provider)

    assert result.dropped == (DroppedStop("far", NOT_PLACED),)
    assert result.route_for("v").stop_ids == ["R", "worth_it"] or result.route_for(
        "v"
    ).stop_ids == ["worth_it", "R"]
    # 10 x (400 s driving + 120 s service) + 4000 m + the penalty of the dropped order
    assert result.cost == 10 * 520 + 4000 + 100
    assert result.feasible
    assert_valid(plan, result, provider)


def test_it_drops_impossible_stops_with_specific_reasons() -> None:
    provider = GridProvider(unreachable=[at(7)])
    stops = [
        Stop(id="ok", location=at(1), demand=1, service_s=60),
        Stop(id="too_early", location=at(5), window=TimeWindow(start_s=0, end_s=100)),
        Stop(id="too_big", location=at(1, 1), demand=50),
        Stop(id="island", location=at(7)),
    ]
    plan = problem([Vehicle(id="v", capacity=10)], stops)

    result = plan_routes(plan, 1.0, provider=provider)

    assert {d.stop_id: d.reason for d in result.dropped} == {
        "too_early": TIME_WINDOW,
        "too_big": CAPACITY,
        "island": UNREACHABLE,
    }
    assert result.route_for("v").stop_ids == ["ok"]
    assert not result.feasible
    assert_valid(plan, result, provider)


def test_it_respects_max_trips_by_leaving_the_costlier_stop_unplaced() -> None:
    provider = GridProvider()
    stops = [
        Stop(id="near", location=at(1), demand=6, service_s=60),
        Stop(id="far", location=at(2), demand=6, service_s=60),
    ]
    plan = problem([Vehicle(id="v", capacity=10, max_trips=1)], stops)

    result = plan_routes(plan, 1.0, provider=provider)

    assert trips_of(result, "v") == [["near"]]
    assert result.dropped == (DroppedStop("far", NOT_PLACED),)
    assert not result.feasible
    assert_valid(plan, result, provider)


def test_it_minimises_soft_window_lateness() -> None:
    provider = GridProvider()
    late = TimeWindow(soft_end_s=250, late_penalty_per_s=1000)
    stops = [
        Stop(id="A", location=at(1), service_s=60),
        Stop(id="B", location=at(2), service_s=60, window=late),
    ]
    plan = problem([Vehicle(id="v", capacity=10)], stops)

    result = plan_routes(plan, 1.0, provider=provider)

    # A first would reach B at 260, 10 s late; B first costs the same distance.
    assert timings(result, "v") == [("B", 200, 200, 260), ("A", 360, 360, 420)]
    assert result.route_for("v").lateness_s == 0
    assert_valid(plan, result, provider)


def test_it_starts_a_courier_from_its_current_position() -> None:
    provider = GridProvider()
    courier = Vehicle(id="v", capacity=10, start=at(5), shift_start_s=1000)
    plan = problem([courier], [Stop(id="S", location=at(6), demand=1, service_s=60)])

    result = plan_routes(plan, 1.0, provider=provider)

    route = result.route_for("v")
    assert timings(result, "v") == [("S", 1100, 1100, 1160)]
    assert (route.start_s, route.end_s, route.distance_m) == (1000, 1760, 7000)
    assert_valid(plan, result, provider)


def test_it_waits_for_the_depot_to_open_and_load() -> None:
    provider = GridProvider()
    depot = Depot(location=at(0), open_s=1000, close_s=5000, reload_s=120)
    plan = problem([Vehicle(id="v", capacity=10)], [Stop(id="S", location=at(1))], depot=depot)

    result = plan_routes(plan, 1.0, provider=provider)

    route = result.route_for("v")
    assert (route.start_s, route.trips[0].start_s) == (1000, 1120)
    assert timings(result, "v") == [("S", 1220, 1220, 1220)]
    assert_valid(plan, result, provider)


def _random_problem(seed: int, with_breaks: bool) -> PlanningProblem:
    rng = random.Random(seed)
    stops = [
        Stop(
            id=f"s{i}",
            location=at(rng.randint(-5, 5), rng.randint(-5, 5)),
            demand=rng.randint(1, 4),
            service_s=120,
            window=TimeWindow(start_s=rng.choice([0, 1800, 3600]), end_s=rng.choice([5400, 9000])),
            required_skills={"gas"} if i % 5 == 0 else frozenset(),
        )
        for i in range(14)
    ]
    brk = Break(2400, 4800, 900) if with_breaks else None
    vehicles = [
        Vehicle(id="a", capacity=12, shift_end_s=10_000, rest_break=brk),
        Vehicle(id="b", capacity=8, shift_end_s=10_000, skills=frozenset({"gas"})),
    ]
    return problem(vehicles, stops)


@pytest.mark.parametrize("with_breaks", [False, True])
def test_it_is_deterministic_for_a_seed(with_breaks: bool) -> None:
    provider = GridProvider()
    plan = _random_problem(7, with_breaks)

    first = plan_routes(plan, 2.0, seed=3, provider=provider)
    second = plan_routes(plan, 2.0, seed=3, provider=provider)

    assert first == second
    assert first.routes  # a real plan, not an empty one
    assert_valid(plan, first, provider)


def _random_stop(rng: random.Random, i: int, *, pinned: bool) -> Stop:
    start = rng.choice([0, 900])
    stop = Stop(
        id=f"s{i}",
        location=at(rng.randint(-4, 4), rng.randint(-4, 4)),
        demand=rng.randint(0, 7),
        service_s=rng.choice([0, 60, 300]),
        window=TimeWindow(start_s=start, end_s=start + rng.choice([600, 2400, 7200])),
        required_skills={"gas"} if rng.random() < 0.2 else frozenset(),
        optional=rng.random() < 0.2,
        drop_penalty=rng.choice([0, 10**6]),
    )
    if not pinned:
        return stop
    # A started stop is one its courier (a, no gas) can actually serve.
    return replace(
        stop,
        window=TimeWindow(),
        required_skills=frozenset(),
        optional=False,
        fixed_vehicle_id="a",
        fixed_position=0,
    )


@settings(max_examples=15, deadline=None, derandomize=True, database=None)
@given(
    seed=st.integers(0, 10_000),
    num_stops=st.integers(1, 9),
    with_breaks=st.booleans(),
    pin_first=st.booleans(),
    engine=st.sampled_from(ENGINES),
)
def test_every_plan_passes_the_independent_checker(
    seed: int, num_stops: int, with_breaks: bool, pin_first: bool, engine: str
) -> None:
    rng = random.Random(seed)
    provider = GridProvider()
    stops = [_random_stop(rng, i, pinned=pin_first and i == 0) for i in range(num_stops)]
    vehicles = [
        Vehicle(
            id="a",
            capacity=8,
            shift_end_s=6000,
            max_trips=rng.choice([None, 2]),
            rest_break=Break(1200, 2400, 300) if with_breaks else None,
        ),
        Vehicle(id="b", capacity=5, start=at(1, 1), skills=frozenset({"gas"})),
    ]
    depot = Depot(location=at(0), open_s=0, close_s=7000, reload_s=rng.choice([0, 120]))
    plan = problem(vehicles, stops, depot=depot)

    result = plan_routes(plan, 0.5, seed=seed, provider=provider, engine=engine)  # type: ignore[arg-type]

    assert_valid(plan, result, provider)
    required_dropped = any(not plan.stop(d.stop_id).optional for d in result.dropped)
    assert result.feasible == (not required_dropped)
    assert result.total_distance_m == sum(r.distance_m for r in result.routes)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_search_asked_to_stop_ends_within_a_second_or_two_of_the_question(engine: str) -> None:
    rng = random.Random(11)
    vehicles = [
        Vehicle(
            id=str(v),
            capacity=12,
            shift_start_s=8 * 3600,
            shift_end_s=20 * 3600,
            rest_break=Break(12 * 3600, 13 * 3600, 1800),
        )
        for v in range(8)
    ]
    stops = [
        Stop(
            id=str(i),
            location=at(rng.uniform(-3, 3), rng.uniform(-3, 3)),
            demand=2,
            service_s=120,
            window=TimeWindow(start_s=9 * 3600, end_s=13 * 3600),
        )
        for i in range(120)
    ]
    asked: list[float] = []
    began = time.monotonic()

    def should_stop() -> bool:
        asked.append(time.monotonic())
        return asked[-1] - began > 1.0

    result = plan_routes(
        problem(vehicles, stops),
        time_limit_s=60,
        provider=GridProvider(),
        engine=engine,  # type: ignore[arg-type]
        should_stop=should_stop,
    )

    assert time.monotonic() - began < 5
    assert len(asked) >= 2  # asked repeatedly, not once per call
    served = sum(len(route.visits) for route in result.routes)
    assert served + len(result.dropped) == len(stops)
