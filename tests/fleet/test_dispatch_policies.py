"""The dispatch decision on small worlds with answers worked out by hand (no database).

Points lie on a line through the depot; the fake provider makes one kilometre one
thousand metres and one thousand seconds, so every figure below is plain arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence

from apps.fleet.dispatch.insertion import (
    CAP,
    CAPACITY,
    DEPOT_CLOSED,
    EXCLUDED,
    REST_BREAK,
    SHIFT_END,
    SKILLS,
    TIME_WINDOW,
    CourierState,
    Fleet,
    Task,
    rank_by_insertion,
)
from apps.fleet.dispatch.policies import rank, rank_balanced, rank_nearest, within_radius
from apps.fleet.planner.model import Break, GeoPoint

DEPOT = GeoPoint(0.0, 0.0)


class LineProvider:
    """Distance along the line in metres; one metre takes one second."""

    def __init__(self) -> None:
        self.calls = 0

    def matrix(
        self, points: Sequence[GeoPoint], vehicle_type: str = "car"
    ) -> tuple[list[list[int]], list[list[int]]]:
        self.calls += 1
        metres = [[round(abs(a.lng - b.lng) * 1000) for b in points] for a in points]
        return metres, [row[:] for row in metres]


def at(km: float) -> GeoPoint:
    return GeoPoint(0.0, km)


def task(
    km: float,
    *,
    id: int = 99,
    demand: int = 1,
    window: tuple[int, int] = (0, 100_000),
    skills: frozenset[str] = frozenset(),
) -> Task:
    return Task(
        id=id,
        location=at(km),
        demand=demand,
        window_start_s=window[0],
        window_end_s=window[1],
        skills=skills,
    )


def courier(id: int, **fields: object) -> CourierState:
    fields.setdefault("shift_end_s", 100_000)
    return CourierState(id=id, **fields)  # type: ignore[arg-type]


def fleet(*couriers: CourierState, cap: int | None = None, **hours: int) -> Fleet:
    return Fleet(depot=DEPOT, couriers=couriers, max_open_orders=cap, **hours)


def test_it_gives_the_order_to_the_courier_whose_route_passes_by() -> None:
    idle_far = courier(1, start=at(10))
    passing = courier(2, queued=(task(5, id=1),), open_orders=1)

    decision = rank_by_insertion(fleet(idle_far, passing), task(6), LineProvider())

    assert [c.courier_id for c in decision.ranked] == [2, 1]
    best = decision.ranked[0]
    # 0 → 5 → 0 was 10 km; 0 → 6 → 5 → 0 (or 0 → 5 → 6 → 0) is 12 km.
    assert (best.added_s, best.added_m) == (2000, 2000)
    # The idle courier rides 10 km to the depot, then 6 out and 6 back.
    assert decision.ranked[1].added_s == 22_000


def test_an_insertion_never_makes_a_promised_window_late() -> None:
    # Stop 1 must be served by 5000 s: going to -1 km first would reach it at 7000 s.
    busy = courier(1, queued=(task(5, id=1, window=(0, 5000)),), open_orders=1)

    best = rank_by_insertion(fleet(busy), task(-1), LineProvider()).ranked[0]

    assert best.position == 1
    assert best.added_s == 2000
    assert best.service_start_s == 11_000


def test_a_courier_who_cannot_reach_the_new_order_in_its_window_is_refused() -> None:
    late = courier(1, start=at(20))  # 20 km to the depot before loading

    decision = rank_by_insertion(fleet(late), task(1, window=(0, 5000)), LineProvider())

    assert decision.best is None
    assert [(r.courier_id, r.reason) for r in decision.refused] == [(1, TIME_WINDOW)]


def test_a_full_vehicle_goes_back_to_the_depot_to_reload() -> None:
    small = courier(1, capacity=4, queued=(task(2, id=1, demand=4),), open_orders=1)
    big = courier(2, capacity=12, queued=(task(2, id=2, demand=4),), open_orders=1)

    decision = rank_by_insertion(fleet(small, big), task(3, demand=2), LineProvider())

    assert [c.courier_id for c in decision.ranked] == [2, 1]
    # 0 → 2 → 3 → 0 adds 2 km; the small one needs a second trip 0 → 3 → 0: 6 km.
    assert decision.ranked[0].added_s == 2000
    assert decision.ranked[1].added_s == 6000


def test_a_vehicle_too_small_for_the_order_is_refused() -> None:
    decision = rank_by_insertion(fleet(courier(1, capacity=1)), task(1, demand=2), LineProvider())

    assert [(r.courier_id, r.reason) for r in decision.refused] == [(1, CAPACITY)]


def test_only_a_courier_with_the_skill_gets_a_gas_order() -> None:
    gas = task(1, skills=frozenset({"gas_certified"}))
    plain = courier(1)
    certified = courier(2, start=at(30), skills=frozenset({"gas_certified", "stairs"}))

    decision = rank_by_insertion(fleet(plain, certified), gas, LineProvider())

    assert [c.courier_id for c in decision.ranked] == [2]
    assert (1, SKILLS) in [(r.courier_id, r.reason) for r in decision.refused]


def test_a_courier_at_the_cap_is_refused() -> None:
    full = courier(1, open_orders=3)
    free = courier(2, start=at(5), open_orders=2)

    decision = rank_by_insertion(fleet(full, free, cap=3), task(1), LineProvider())

    assert [c.courier_id for c in decision.ranked] == [2]
    assert [(r.courier_id, r.reason) for r in decision.refused] == [(1, CAP)]


def test_a_courier_whose_shift_ends_too_soon_is_refused() -> None:
    leaving = courier(1, shift_end_s=5000)  # 0 → 3 → 0 takes 6000 s
    staying = courier(2, start=at(1))

    decision = rank_by_insertion(fleet(leaving, staying), task(3), LineProvider())

    assert [c.courier_id for c in decision.ranked] == [2]
    assert [(r.courier_id, r.reason) for r in decision.refused] == [(1, SHIFT_END)]


def test_nobody_eligible_means_no_choice() -> None:
    decision = rank_by_insertion(
        fleet(courier(1, capacity=1), courier(2, open_orders=5), cap=5),
        task(1, demand=3),
        LineProvider(),
    )

    assert decision.best is None
    assert {r.reason for r in decision.refused} == {CAPACITY, CAP}


def test_waiting_for_the_first_window_does_not_count_as_added_time() -> None:
    idle = courier(1)

    best = rank_by_insertion(fleet(idle), task(1, window=(10_000, 20_000)), LineProvider()).best

    assert best is not None
    assert best.service_start_s == 10_000
    assert best.added_s == 2000  # he leaves later instead of waiting


def test_orders_on_board_are_delivered_first_and_never_moved() -> None:
    carrying = courier(1, on_board=(task(5, id=1),), open_orders=1)

    best = rank_by_insertion(fleet(carrying), task(1), LineProvider()).best

    assert best is not None
    # 0 → 5 (on board), back to the depot to load, then 0 → 1 → 0.
    assert best.position == 0
    assert best.service_start_s == 11_000
    assert best.added_s == 2000


def test_the_loading_time_counts_for_every_trip() -> None:
    idle = courier(1)
    world = Fleet(depot=DEPOT, couriers=(idle,), reload_s=300)

    best = rank_by_insertion(world, task(1), LineProvider()).best

    assert best is not None and best.added_s == 2300


def test_an_excluded_courier_is_not_asked_again() -> None:
    decision = rank(
        "auto", fleet(courier(1), courier(2)), task(1), LineProvider(), exclude=frozenset({1})
    )

    assert [c.courier_id for c in decision.ranked] == [2]
    assert (1, EXCLUDED) in [(r.courier_id, r.reason) for r in decision.refused]


def test_nearest_takes_the_closest_start_among_the_eligible() -> None:
    near_unskilled = courier(1, start=at(2.4))
    near = courier(2, start=at(3))
    at_depot = courier(3)
    gas = task(2.5, skills=frozenset({"gas_certified"}))
    skilled = frozenset({"gas_certified"})

    plain = rank_nearest(fleet(near_unskilled, near, at_depot), task(2.5), LineProvider())
    certified = rank_nearest(
        fleet(near_unskilled, courier(2, start=at(3), skills=skilled), courier(3, skills=skilled)),
        gas,
        LineProvider(),
    )

    assert [c.courier_id for c in plain.ranked] == [1, 2, 3]
    assert plain.ranked[0].distance_m == 100
    assert [c.courier_id for c in certified.ranked] == [2, 3]


def test_nearest_skips_a_courier_whose_shift_ends_before_the_window_opens() -> None:
    leaving = courier(1, start=at(1), shift_end_s=3600)
    later = courier(2, start=at(4))

    decision = rank_nearest(fleet(leaving, later), task(1, window=(7200, 9000)), LineProvider())

    assert [c.courier_id for c in decision.ranked] == [2]
    assert [(r.courier_id, r.reason) for r in decision.refused] == [(1, SHIFT_END)]


def test_balanced_takes_the_fewest_open_orders_and_the_nearest_of_equals() -> None:
    busy = courier(1, start=at(1), open_orders=3)
    light_far = courier(2, start=at(8), open_orders=1)
    light_near = courier(3, start=at(4), open_orders=1)
    at_cap = courier(4, open_orders=5)

    decision = rank_balanced(
        fleet(busy, light_far, light_near, at_cap, cap=5), task(1), LineProvider()
    )

    assert [c.courier_id for c in decision.ranked] == [3, 2, 1]
    assert [(r.courier_id, r.reason) for r in decision.refused] == [(4, CAP)]


def test_the_grab_radius_is_a_circle_around_the_courier() -> None:
    hangzhou = GeoPoint(30.2741, 120.1551)
    two_km_north = GeoPoint(30.2741 + 2 / 111.2, 120.1551)

    assert within_radius(hangzhou, two_km_north, 2100)
    assert not within_radius(hangzhou, two_km_north, 1900)


def test_twenty_couriers_with_thirty_stops_each_are_all_weighed_cheapest_first() -> None:
    import random

    from apps.fleet.planner.distances import GreatCircleProvider

    rng = random.Random(3)
    base = GeoPoint(30.2741, 120.1551)

    def near() -> GeoPoint:
        return GeoPoint(base.lat + rng.uniform(-0.03, 0.03), base.lng + rng.uniform(-0.03, 0.03))

    couriers = tuple(
        CourierState(
            id=c,
            start=near(),
            ready_s=8 * 3600,
            shift_end_s=22 * 3600,
            capacity=12,
            vehicle_type="tricycle",
            open_orders=30,
            queued=tuple(
                Task(
                    id=c * 100 + k,
                    location=near(),
                    demand=rng.randint(1, 3),
                    service_s=120,
                    window_start_s=8 * 3600,
                    window_end_s=22 * 3600,
                )
                for k in range(30)
            ),
        )
        for c in range(20)
    )
    world = Fleet(depot=base, couriers=couriers, reload_s=300, max_open_orders=40)
    new = Task(id=1, location=near(), demand=2, service_s=120, window_end_s=23 * 3600)

    decision = rank_by_insertion(world, new, GreatCircleProvider())

    assert decision.best is not None
    assert len(decision.ranked) + len(decision.refused) == 20
    added = [candidate.added_s for candidate in decision.ranked]
    assert added == sorted(added)


# -- breaks and depot hours -----------------------------------------------------------------

# A break of 3000 s that must start at 1000 s at the latest.
LUNCH = Break(earliest_start_s=500, latest_start_s=1000, duration_s=3000)


def served(at_km: float, *, service_s: int = 600, window: tuple[int, int] = (0, 100_000)) -> Task:
    return Task(
        id=99,
        location=at(at_km),
        demand=1,
        service_s=service_s,
        window_start_s=window[0],
        window_end_s=window[1],
    )


def test_a_stop_is_served_after_the_break_when_it_would_overlap_it() -> None:
    resting = courier(1, rest_break=LUNCH)

    best = rank_by_insertion(fleet(resting), served(1), LineProvider()).ranked[0]

    # Leaving the depot at 0 he would serve 1000–1600, past the break's latest start:
    # he rests first (timed as the planner times it: on arrival, 1000–4000) and serves
    # at 4000. The break itself is not counted as time the order adds.
    assert best.service_start_s == 4000
    assert best.added_s == 1000 + 600 + 1000


def test_the_break_goes_where_he_would_wait_anyway() -> None:
    resting = courier(1, rest_break=Break(500, 5000, 1000))

    best = rank_by_insertion(fleet(resting), served(1, window=(4000, 9000)), LineProvider()).ranked[
        0
    ]

    # He arrives at 1000 and waits for 4000: the break fits in the wait, nothing moves.
    assert best.service_start_s == 4000
    assert best.added_s == 1000 + 600 + 1000


def test_a_window_that_closes_during_the_break_is_refused_for_the_break() -> None:
    resting = courier(1, rest_break=LUNCH)
    free = courier(2, start=at(0.5))

    decision = rank_by_insertion(fleet(resting, free), served(1, window=(0, 2000)), LineProvider())

    assert [c.courier_id for c in decision.ranked] == [2]
    assert [(r.courier_id, r.reason) for r in decision.refused] == [(1, REST_BREAK)]


def test_queued_stops_behind_the_break_keep_their_windows() -> None:
    # His queued stop (1 km, due by 3600 s) is served at 1000 s, his break follows.
    # Before it, the new order would push the break forward and the queued stop to
    # 6600 s; after it, the break comes first and the new order is served at 5000 s.
    resting = courier(
        1,
        rest_break=LUNCH,
        queued=(Task(id=1, location=at(1), demand=1, window_end_s=3600),),
        open_orders=1,
    )

    decision = rank_by_insertion(fleet(resting), served(2), LineProvider())

    best = decision.ranked[0]
    assert best.position == 1
    assert best.service_start_s == 5000


def test_loading_waits_for_the_depot_to_open() -> None:
    early = courier(1)

    best = rank_by_insertion(fleet(early, open_s=7000), served(1), LineProvider()).ranked[0]

    assert best.service_start_s == 8000


def test_a_route_that_would_end_after_the_depot_closes_is_refused() -> None:
    far = courier(1, start=at(4))
    near = courier(2)

    decision = rank_by_insertion(fleet(far, near, close_s=3000), served(1), LineProvider())

    # The far one reaches the depot at 4000, past closing; the near one is back at 2600.
    assert [c.courier_id for c in decision.ranked] == [2]
    assert [(r.courier_id, r.reason) for r in decision.refused] == [(1, DEPOT_CLOSED)]


def test_nearest_and_balanced_refuse_a_courier_whose_break_spoils_the_window() -> None:
    resting = courier(1, rest_break=LUNCH)
    farther = courier(2, start=at(1.5), open_orders=3)

    for ranker in (rank_nearest, rank_balanced):
        decision = ranker(fleet(resting, farther), served(1, window=(0, 2500)), LineProvider())

        assert [c.courier_id for c in decision.ranked] == [2]
        assert [(r.courier_id, r.reason) for r in decision.refused] == [(1, REST_BREAK)]


def test_nearest_refuses_a_courier_who_could_not_be_back_before_closing() -> None:
    nearer = courier(1, start=at(0.5))
    farther = courier(2, start=at(-1))

    decision = rank_nearest(fleet(nearer, farther, close_s=10_000), served(4), LineProvider())

    assert [c.courier_id for c in decision.ranked] == [1, 2]
    late = rank_nearest(fleet(nearer, farther, close_s=9300), served(4), LineProvider())
    assert [c.courier_id for c in late.ranked] == [1]
    assert [(r.courier_id, r.reason) for r in late.refused] == [(2, DEPOT_CLOSED)]
