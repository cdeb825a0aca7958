"""Every report page on two years of one company's history (target: each under 1 s).

Builds the data set with PostgreSQL COPY (the reports are measured, not order
intake): ``BENCH_REPORT_ORDERS`` orders (default 250,000, which builds in about
two minutes here; 1,000,000 is the size of two years of a big station and takes
about eight) over
``BENCH_REPORT_DAYS`` days (default 730) for ``BENCH_REPORT_CUSTOMERS``
customers (default 20,000), one line each and a second line on one order in
four, with failure and cancellation events. It prints the size used, how long
the build took, the Customers page before the nightly customer activity summary
exists and how long building that summary takes (the first night, then the next
night's incremental run), then each page's median and worst time over a few rounds
at its default period, at the last month and at a month a year ago (with the
summary built, as after the first night), the Customers, Couriers and Dashboard
pages also for one depot, and each page's number of queries.

On SQLite (no DATABASE_URL) it falls back to ``bulk_create`` and a small size.
"""

from __future__ import annotations

import os
import random
import time
from datetime import datetime, timedelta
from typing import Any

from _common import bench_database, figure, median, setup_django

BENCH = "reports_pages"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
FAIL_REASONS = ["not_home", "not_home", "not_home", "phone_off", "wrong_address", "refused"]
CANCEL_REASONS = ["changed_mind", "duplicate", "no_stock", "out_of_area"]
CHANNELS = ["phone"] * 5 + ["wechat"] * 3 + ["mini_program", "meituan", "eleme", "back_office"]
PAYMENTS = ["cash"] * 3 + ["scan"] * 3 + ["tickets", "wallet", "credit"]
# Pages also measured for one depot (the month and the year-ago month).
DEPOT_CASES = {"customers", "couriers", "dashboard"}


def sizes(vendor: str) -> tuple[int, int, int]:
    small = vendor != "postgresql"
    orders = int(os.environ.get("BENCH_REPORT_ORDERS", "20000" if small else "250000"))
    days = int(os.environ.get("BENCH_REPORT_DAYS", "730"))
    customers = int(os.environ.get("BENCH_REPORT_CUSTOMERS", "2000" if small else "20000"))
    return orders, days, customers


def _rows(model: Any, objects: list[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    from django.db import connection

    fields = list(model._meta.concrete_fields)
    columns = [f.column for f in fields]
    rows = [
        tuple(f.get_db_prep_save(_value(f, obj), connection) for f in fields) for obj in objects
    ]
    return columns, rows


def _value(field: Any, obj: Any) -> Any:
    """The field's value as set (an order's past creation moment), else as Django fills it."""
    value = getattr(obj, field.attname)
    return field.pre_save(obj, add=True) if value is None else value


def copy_in(model: Any, objects: list[Any]) -> None:
    """Insert ``objects`` (with their ids set) fast: COPY on PostgreSQL, bulk_create elsewhere."""
    from django.db import connection

    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=2000)
        return
    columns, rows = _rows(model, objects)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)


def reset_sequences(*models: Any) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


def build(team: Any, rng: random.Random) -> dict[str, int]:
    from django.utils import timezone

    from apps.customers.models import Address, Customer
    from apps.orders.models import Order, OrderEvent, OrderLine
    from apps.org.models import StaffMember
    from tests.factories import DepotFactory, ProductFactory, StaffFactory

    company = team.company
    orders_n, days, customers_n = sizes(_vendor())
    first_depot = StaffMember.objects.get(company=company, role="courier").home_depot
    depots = [first_depot, DepotFactory(company=company), DepotFactory(company=company)]
    couriers = [
        StaffFactory(company=company, role="courier", home_depot=depots[i % 3]) for i in range(30)
    ]
    products = [
        ProductFactory(company=company, category="water", price_fen=1500 + 100 * i)
        for i in range(6)
    ]
    products += [ProductFactory(company=company, category="gas", price_fen=12000) for _ in range(2)]
    customers = [
        Customer(id=i + 1, company=company, code=f"B{i:06d}", name=f"客户{i}")
        for i in range(customers_n)
    ]
    copy_in(Customer, customers)
    addresses = [
        Address(
            id=i + 1,
            company=company,
            customer_id=i + 1,
            street=f"文三路 {i} 号",
            district=rng.choice(["西湖区", "拱墅区", "上城区", "滨江区"]),
            floor=rng.randint(1, 7),
            has_elevator=rng.random() < 0.4,
            depot=depots[i % 3],
            is_default=True,
        )
        for i in range(customers_n)
    ]
    copy_in(Address, addresses)
    today = timezone.localdate()
    first_day = today - timedelta(days=days)
    zone = timezone.get_current_timezone()
    orders, lines, events = [], [], []
    line_id = event_id = 0
    per_day = orders_n / days
    for index in range(orders_n):
        day = first_day + timedelta(days=int(index / per_day))
        weekday_boost = 1.3 if day.weekday() >= 5 else 1.0
        customer = rng.randrange(customers_n) + 1
        hour = rng.randint(8, 18)
        start = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
        roll = rng.random() / weekday_boost
        status = "delivered" if roll < 0.88 else "failed" if roll < 0.93 else "cancelled"
        if day >= today:
            status = "pending"
        courier = rng.choice(couriers)
        product = rng.choice(products)
        quantity = rng.randint(1, 3)
        total = product.price_fen * quantity
        order_id = index + 1
        delivered_at = (
            start + timedelta(minutes=rng.randint(20, 150)) if status == "delivered" else None
        )
        orders.append(
            Order(
                id=order_id,
                company=company,
                customer_id=customer,
                address_id=customer,
                depot=depots[(customer - 1) % 3],
                channel=rng.choice(CHANNELS),
                payment_intent=rng.choice(PAYMENTS),
                status=status,
                window_start=start,
                window_end=start + timedelta(hours=2),
                courier=None if status in ("pending", "cancelled") else courier,
                goods_fen=total,
                total_fen=total,
                delivered_at=delivered_at,
                tracking_token=f"bench-{order_id}",
                created_at=start - timedelta(hours=3),
                status_changed_at=delivered_at or start,
                fail_reason=rng.choice(FAIL_REASONS) if status == "failed" else "",
                cancel_reason=rng.choice(CANCEL_REASONS) if status == "cancelled" else "",
            )
        )
        line_id += 1
        lines.append(
            OrderLine(
                id=line_id,
                order_id=order_id,
                product=product,
                quantity=quantity,
                unit_price_fen=product.price_fen - rng.choice([0, 0, 0, 100]),
                delivered_quantity=quantity if status == "delivered" else None,
            )
        )
        if index % 4 == 0:
            line_id += 1
            lines.append(
                OrderLine(
                    id=line_id,
                    order_id=order_id,
                    product=products[0],
                    quantity=1,
                    unit_price_fen=products[0].price_fen,
                    delivered_quantity=1 if status == "delivered" else None,
                )
            )
        if status in ("failed", "cancelled"):
            event_id += 1
            events.append(
                OrderEvent(
                    id=event_id,
                    company=company,
                    order_id=order_id,
                    at=start + timedelta(minutes=rng.randint(0, 120)),
                    from_status="out_for_delivery" if status == "failed" else "pending",
                    to_status=status,
                    reason=orders[-1].fail_reason or orders[-1].cancel_reason,
                    courier=courier if status == "failed" else None,
                )
            )
        if len(orders) >= 50000:
            _flush(orders, lines, events)
            orders, lines, events = [], [], []
    _flush(orders, lines, events)
    reset_sequences(Customer, Address, Order, OrderLine, OrderEvent)
    _analyze()
    return {"orders": orders_n, "days": days, "customers": customers_n}


def _flush(orders: list[Any], lines: list[Any], events: list[Any]) -> None:
    from apps.orders.models import Order, OrderEvent, OrderLine

    copy_in(Order, orders)
    copy_in(OrderLine, lines)
    copy_in(OrderEvent, events)


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def _database_label() -> str:
    """PostgreSQL servers are shared between checkouts: name the throw-away database after
    the configured one so that two runs do not drop each other's."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return BENCH
    return f"{BENCH}_{connection.settings_dict['NAME']}"


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(client: Any, path: str) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples, queries = [], 0
    for _ in range(ROUNDS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        queries = len(captured)
    return samples, queries


def summarise(client: Any, company: Any) -> None:
    """The Customers page on a fresh install, then the nightly summary it reads afterwards."""
    from django.urls import reverse

    from apps.reports.services import customer_activity_refresh

    samples, _queries = measure(client, reverse("reports:customers"))
    figure(BENCH, "customers_unsummarised_median_ms", median(samples), "ms")
    started = time.perf_counter()
    rows = customer_activity_refresh(company=company)
    figure(BENCH, "customer_activity_refresh_s", time.perf_counter() - started, "s")
    figure(BENCH, "customer_activity_rows", rows, "rows")
    started = time.perf_counter()
    rows = customer_activity_refresh(company=company)
    figure(BENCH, "customer_activity_next_night_s", time.perf_counter() - started, "s")
    figure(BENCH, "customer_activity_next_night_rows", rows, "rows")


def main() -> None:
    setup_django()
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from apps.org.models import StaffMember
    from apps.reports.pages import OBJECT_PAGES, PAGES

    with bench_database(_database_label()):
        from tests.conftest import make_team

        team = make_team("基准水站")
        client = Client()
        client.force_login(team.users["owner"])
        client.get(reverse("reports:index"))  # load every module before the long build
        started = time.perf_counter()
        size = build(team, random.Random(11))
        figure(BENCH, "build_s", time.perf_counter() - started, "s")
        for name, value in size.items():
            figure(BENCH, f"size_{name}", value, name)
        summarise(client, team.company)
        courier = StaffMember.objects.filter(company=team.company, role="courier").first()
        yesterday = timezone.localdate() - timedelta(days=1)
        month = f"?start={yesterday - timedelta(days=29)}&end={yesterday}"
        year_ago = yesterday - timedelta(days=365)
        old_month = f"?start={year_ago - timedelta(days=29)}&end={year_ago}"
        depot = f"&depot={courier.home_depot_id}" if courier else ""
        cases = [("default", ""), ("month", month), ("year_ago", old_month)]
        one_depot = [("month_depot", month + depot), ("year_ago_depot", old_month + depot)]
        for key in PAGES:
            args = [courier.pk] if key in OBJECT_PAGES and courier else []
            path = reverse("reports:index" if key == "dashboard" else f"reports:{key}", args=args)
            for label, query in cases + (one_depot if key in DEPOT_CASES else []):
                samples, queries = measure(client, path + query)
                figure(BENCH, f"{key}_{label}_median_ms", median(samples), "ms")
                figure(BENCH, f"{key}_{label}_max_ms", max(samples), "ms")
            figure(BENCH, f"{key}_queries", queries, "queries")


if __name__ == "__main__":
    main()
