"""The dispatcher's order pool with 2,000 orders in a day (target: server time p95 ≤ 300 ms).

Fills a throw-away database with a day of orders in every status (bulk inserts:
the pool is what is measured, not order intake), then times the pool page as a
dispatcher opens it: the whole day, one status, the late ones, and the htmx
refresh; it also prints the number of queries per page, which must not grow
with the number of orders. Like a web process (config/wsgi.py), it freezes its
start-up objects before the first request, so that the garbage collector's full
passes do not walk them on every page.
"""

from __future__ import annotations

import os
import random
import time
from datetime import timedelta

from _common import bench_database, figure, percentile, setup_django

BENCH = "orders_pool"
ORDERS = int(os.environ.get("BENCH_ORDERS", "2000"))
STATUSES = (
    ["pending"] * 5
    + ["assigned"] * 4
    + ["out_for_delivery"] * 3
    + ["delivered"] * 6
    + ["failed", "cancelled"]
)


def build(team, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from apps.customers.models import Address, Customer
    from apps.orders.models import Order, OrderLine
    from apps.org.models import StaffMember
    from tests.factories import ProductFactory, StaffFactory

    company = team.company
    depot = StaffMember.objects.get(company=company, role="courier").home_depot
    couriers = [StaffFactory(company=company, role="courier", home_depot=depot) for _ in range(20)]
    products = [ProductFactory(company=company) for _ in range(6)]
    customers = Customer.objects.bulk_create(
        Customer(company=company, code=f"C{i:05d}", name=f"客户{i}") for i in range(ORDERS)
    )
    addresses = Address.objects.bulk_create(
        Address(
            company=company,
            customer=c,
            street=f"文三路 {i} 号",
            floor=rng.randint(1, 7),
            depot=depot,
            is_default=True,
        )
        for i, c in enumerate(customers)
    )
    start_of_day = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    orders = []
    for index, (customer, address) in enumerate(zip(customers, addresses, strict=True)):
        status = rng.choice(STATUSES)
        start = start_of_day + timedelta(minutes=30 * (index % 24))
        orders.append(
            Order(
                company=company,
                customer=customer,
                address=address,
                depot=depot,
                status=status,
                courier=None
                if status in ("pending", "cancelled", "failed")
                else rng.choice(couriers),
                window_start=start,
                window_end=start + timedelta(hours=2),
                goods_fen=2400,
                total_fen=2400,
                channel=rng.choice(["phone", "wechat", "meituan", "api"]),
            )
        )
    Order.objects.bulk_create(orders, batch_size=1000)
    OrderLine.objects.bulk_create(
        (
            OrderLine(order=order, product=product, quantity=rng.randint(1, 3), unit_price_fen=1200)
            for order in orders
            for product in rng.sample(products, rng.choice([1, 1, 2]))
        ),
        batch_size=2000,
    )


def measure(
    client, path: str, rounds: int, headers: dict[str, str] | None = None
) -> tuple[list[float], int]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples = []
    queries = 0
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path, headers=headers or {})
            samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        queries = len(captured)
    return samples, queries


def main() -> None:
    setup_django()
    from django.test import Client

    from apps.core.startup import ready_for_requests

    with bench_database(BENCH):
        from tests.conftest import make_team

        team = make_team("基准水站")
        build(team, random.Random(7))
        # Start serving as a web process does (config/wsgi.py): URLconf loaded, heap frozen.
        ready_for_requests()
        client = Client()
        client.force_login(team.users["dispatcher"])
        rounds = int(os.environ.get("BENCH_ROUNDS", "60"))
        pages = {
            "day": "/orders/",
            "pending": "/orders/?status=pending",
            "late": "/orders/?overdue=on",
        }
        for name, path in pages.items():
            samples, queries = measure(client, path, rounds)
            figure(BENCH, f"{name}_p50_ms", percentile(samples, 50), "ms")
            figure(BENCH, f"{name}_p95_ms", percentile(samples, 95), "ms")
            figure(BENCH, f"{name}_queries", queries, "queries")
        samples, _ = measure(client, "/orders/", rounds, headers={"HX-Request": "true"})
        figure(BENCH, "refresh_p95_ms", percentile(samples, 95), "ms")
        figure(BENCH, "orders_in_day", ORDERS, "orders")


if __name__ == "__main__":
    main()
