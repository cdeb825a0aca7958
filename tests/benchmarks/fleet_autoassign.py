"""Auto-assign on arrival: 20 couriers with 30 stops each (target: p95 ≤ 200 ms).

Two measurements:

- **pure**: the cheapest-insertion decision alone (``apps.fleet.dispatch``) on many
  random instances — couriers scattered round a Hangzhou depot, each with a feasible
  route of 30 stops (e-trikes of 12 units, reloads at the depot, windows around the
  planned times) — and a new order somewhere near;
- **service**: ``order_dispatch`` against the database (SQLite, or PostgreSQL per
  DATABASE_URL) on the same kind of world: 20 couriers on shift with today's
  published routes of 30 assigned orders, their positions, and a new order each round;
  each round's assignment is rolled back so every round sees the same world. It also
  prints the number of queries of one call, which must not grow with the world.

Environment: BENCH_ROUNDS (pure instances, default 300), BENCH_SERVICE_ROUNDS (60).
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass

from _common import bench_database, figure, percentile, setup_django

BENCH = "fleet_autoassign"
COURIERS = 20
STOPS = 30
CAPACITY = 12
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "300"))
SERVICE_ROUNDS = int(os.environ.get("BENCH_SERVICE_ROUNDS", "60"))
DEPOT = (30.274100, 120.155100)
READY_S = 10 * 3600  # the decision is taken at ten in the morning
SHIFT_END_S = 22 * 3600
RELOAD_S = 300


@dataclass(frozen=True)
class PlannedStop:
    lat: float
    lng: float
    demand: int
    service_s: int
    window_start_s: int
    window_end_s: int


def near(rng: random.Random, km: float = 4.0) -> tuple[float, float]:
    return (
        DEPOT[0] + rng.uniform(-km, km) / 111.2,
        DEPOT[1] + rng.uniform(-km, km) / 96.1,
    )


def planned_route(
    rng: random.Random, start: tuple[float, float], provider: object
) -> list[PlannedStop]:
    """Thirty stops in nearest-neighbour order, timed like dispatch times them, with
    windows round the planned service start: a busy but feasible day."""
    from apps.fleet.planner.model import GeoPoint

    places = [near(rng) for _ in range(STOPS)]
    order: list[tuple[float, float]] = []
    here = start
    left = places[:]
    while left:
        here = min(left, key=lambda p: (p[0] - here[0]) ** 2 + (p[1] - here[1]) ** 2)
        left.remove(here)
        order.append(here)
    points = [GeoPoint(*DEPOT), GeoPoint(*start), *(GeoPoint(*p) for p in order)]
    _, dur = provider.matrix(points, "tricycle")  # type: ignore[attr-defined]
    t, pos, load, loaded = READY_S, 1, 0, False
    stops: list[PlannedStop] = []
    for index, (lat, lng) in enumerate(order, start=2):
        demand = rng.randint(1, 3)
        if not loaded or load + demand > CAPACITY:
            t += dur[pos][0] + RELOAD_S
            pos, load, loaded = 0, 0, True
        t += dur[pos][index]
        service_s = 60 + 15 * demand
        stops.append(
            PlannedStop(
                lat,
                lng,
                demand,
                service_s,
                window_start_s=t - rng.randint(0, 3600),
                window_end_s=t + rng.randint(1800, 7200),
            )
        )
        t += service_s
        pos, load = index, load + demand
    return stops


def pure(rng: random.Random) -> None:
    from apps.fleet.dispatch.insertion import CourierState, Fleet, Task, rank_by_insertion
    from apps.fleet.planner.distances import GreatCircleProvider
    from apps.fleet.planner.model import GeoPoint

    provider = GreatCircleProvider()
    samples: list[float] = []
    placed = 0
    for _ in range(ROUNDS):
        couriers = []
        for c in range(COURIERS):
            start = near(rng, 3.0)
            route = planned_route(rng, start, provider)
            couriers.append(
                CourierState(
                    id=c,
                    start=GeoPoint(*start),
                    ready_s=READY_S,
                    shift_end_s=SHIFT_END_S,
                    capacity=CAPACITY,
                    vehicle_type="tricycle",
                    open_orders=STOPS,
                    queued=tuple(
                        Task(
                            id=c * 100 + k,
                            location=GeoPoint(s.lat, s.lng),
                            demand=s.demand,
                            service_s=s.service_s,
                            window_start_s=s.window_start_s,
                            window_end_s=s.window_end_s,
                        )
                        for k, s in enumerate(route)
                    ),
                )
            )
        fleet = Fleet(
            depot=GeoPoint(*DEPOT), couriers=tuple(couriers), reload_s=RELOAD_S, max_open_orders=40
        )
        window_start = READY_S + rng.randint(0, 4 * 3600)
        new = Task(
            id=0,
            location=GeoPoint(*near(rng)),
            demand=rng.randint(1, 3),
            service_s=90,
            window_start_s=window_start,
            window_end_s=window_start + 3 * 3600,
        )
        started = time.perf_counter()
        decision = rank_by_insertion(fleet, new, provider)
        samples.append((time.perf_counter() - started) * 1000)
        placed += decision.best is not None
    figure(BENCH, "pure_p50_ms", percentile(samples, 50), "ms")
    figure(BENCH, "pure_p95_ms", percentile(samples, 95), "ms")
    figure(BENCH, "pure_max_ms", max(samples), "ms")
    figure(BENCH, "pure_placed_share", placed / ROUNDS, "share")
    figure(BENCH, "pure_instances", ROUNDS, "instances")


def build_world(rng: random.Random):  # type: ignore[no-untyped-def]
    """A depot with 20 couriers on shift, each with today's published route of 30 orders."""
    from datetime import datetime, timedelta
    from datetime import time as clock
    from decimal import Decimal

    from django.utils import timezone

    from apps.customers.models import Address, Customer
    from apps.fleet.models import (
        CourierPosition,
        DispatchPolicy,
        DispatchSettings,
        PlanStatus,
        RoutePlan,
        RouteStop,
        Shift,
        Vehicle,
        VehicleKind,
    )
    from apps.fleet.planner.distances import GreatCircleProvider
    from apps.orders.models import Order, OrderLine, OrderStatus
    from apps.org.models import Depot, Role
    from tests.conftest import make_team
    from tests.factories import ProductFactory, StaffFactory

    team = make_team("基准水站")
    company = team.company
    depot = Depot.objects.filter(company=company).first()
    depot.latitude, depot.longitude = Decimal(f"{DEPOT[0]:.6f}"), Decimal(f"{DEPOT[1]:.6f}")
    depot.save()
    water = ProductFactory(company=company, name="18.9L 桶装水", price_fen=1200)
    DispatchSettings.objects.create(
        company=company, depot=depot, policy=DispatchPolicy.AUTO, max_open_orders=40
    )
    today = timezone.localdate()
    midnight = timezone.make_aware(datetime.combine(today, clock.min))
    plan = RoutePlan.objects.create(
        company=company,
        depot=depot,
        date=today,
        slot_start=clock(8),
        slot_end=clock(22),
        status=PlanStatus.PUBLISHED,
    )
    provider = GreatCircleProvider()
    customers = Customer.objects.bulk_create(
        Customer(company=company, code=f"B{i:05d}", name=f"客户{i}")
        for i in range(COURIERS * STOPS + SERVICE_ROUNDS)
    )
    spare = iter(customers[COURIERS * STOPS :])
    taken = iter(customers[: COURIERS * STOPS])
    for c in range(COURIERS):
        courier = StaffFactory(company=company, role=Role.COURIER, home_depot=depot)
        vehicle = Vehicle.objects.create(
            company=company,
            depot=depot,
            name=f"三轮车 {c}",
            kind=VehicleKind.E_TRIKE,
            capacity_units=CAPACITY,
        )
        Shift.objects.create(
            company=company,
            courier=courier,
            depot=depot,
            vehicle=vehicle,
            date=today,
            starts_at=clock(8),
            ends_at=clock(22),
            status="on",
        )
        start = near(rng, 3.0)
        CourierPosition.objects.create(
            company=company,
            courier=courier,
            latitude=Decimal(f"{start[0]:.6f}"),
            longitude=Decimal(f"{start[1]:.6f}"),
            recorded_at=timezone.now(),
        )
        route = planned_route(rng, start, provider)
        addresses = Address.objects.bulk_create(
            Address(
                company=company,
                customer=next(taken),
                street=f"文三路 {c}-{k} 号",
                latitude=Decimal(f"{s.lat:.6f}"),
                longitude=Decimal(f"{s.lng:.6f}"),
                depot=depot,
                is_default=True,
            )
            for k, s in enumerate(route)
        )
        orders = Order.objects.bulk_create(
            Order(
                company=company,
                customer=a.customer,
                address=a,
                depot=depot,
                status=OrderStatus.ASSIGNED,
                courier=courier,
                window_start=midnight + timedelta(seconds=s.window_start_s),
                window_end=midnight + timedelta(seconds=s.window_end_s),
                goods_fen=1200 * s.demand,
                total_fen=1200 * s.demand,
            )
            for a, s in zip(addresses, route, strict=True)
        )
        OrderLine.objects.bulk_create(
            OrderLine(order=o, product=water, quantity=s.demand, unit_price_fen=1200)
            for o, s in zip(orders, route, strict=True)
        )
        RouteStop.objects.bulk_create(
            RouteStop(plan=plan, order=o, courier=courier, trip=1, sequence=k)
            for k, o in enumerate(orders)
        )
    return company, depot, water, spare, midnight


def service(rng: random.Random) -> None:
    from datetime import timedelta
    from decimal import Decimal

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from apps.customers.models import Address
    from apps.fleet.services.dispatch import DispatchAction, order_dispatch
    from apps.orders.models import Order, OrderLine

    company, depot, water, spare, midnight = build_world(rng)
    samples: list[float] = []
    queries = 0
    assigned = 0
    for _ in range(SERVICE_ROUNDS):
        lat, lng = near(rng)
        customer = next(spare)
        address = Address.objects.create(
            company=company,
            customer=customer,
            street="新到路 1 号",
            latitude=Decimal(f"{lat:.6f}"),
            longitude=Decimal(f"{lng:.6f}"),
            depot=depot,
            is_default=True,
        )
        start = midnight + timedelta(seconds=READY_S + rng.randint(0, 4 * 3600))
        order = Order.objects.create(
            company=company,
            customer=customer,
            address=address,
            depot=depot,
            window_start=start,
            window_end=start + timedelta(hours=3),
            goods_fen=2400,
            total_fen=2400,
        )
        OrderLine.objects.create(order=order, product=water, quantity=2, unit_price_fen=1200)
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                outcome = order_dispatch(order_id=order.pk)
                samples.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
        queries = len(captured)
        assigned += outcome.action == DispatchAction.ASSIGNED
    figure(BENCH, "service_p50_ms", percentile(samples, 50), "ms")
    figure(BENCH, "service_p95_ms", percentile(samples, 95), "ms")
    figure(BENCH, "service_queries", queries, "queries")
    figure(BENCH, "service_assigned_share", assigned / SERVICE_ROUNDS, "share")
    figure(BENCH, "service_database", 1 if connection.vendor == "postgresql" else 0, "postgresql")


def main() -> None:
    setup_django()
    from datetime import datetime
    from datetime import time as clock

    from django.utils import timezone

    ten = timezone.make_aware(datetime.combine(timezone.localdate(), clock(10)))
    timezone.now = lambda: ten  # every round decides at ten in the morning
    pure(random.Random(7))
    with bench_database(BENCH):
        service(random.Random(8))


if __name__ == "__main__":
    main()
