"""One day of subscription orders for 100,000 active subscriptions (target: under 30 s).

Builds a throw-away database (PostgreSQL expected: DATABASE_URL) with one dairy:
100,000 customers, addresses and subscriptions — seven in ten on a daily milk
card with tickets on it, the rest every other day billed monthly — and a few
thousand calendar changes touching the day (skips, swaps, quantities, pauses).
The seed writes rows directly (the card balances included: the benchmark needs
balances to read, not the postings behind them). Then it times
``deliveries_generate`` for the day, a second run (which must create nothing),
and, as the yardstick, PostgreSQL's own ``COPY`` of as many order rows into a
table shaped like the orders table (same columns, defaults, indexes and checks).

Environment: DATABASE_URL, BENCH_SUBSCRIPTIONS (100000).
"""

from __future__ import annotations

import io
import os
import time
from datetime import date, timedelta
from typing import Any

from _common import bench_database, figure, setup_django

BENCH = "subscriptions_generate"
COUNT = int(os.environ.get("BENCH_SUBSCRIPTIONS", "100000"))
CHUNK = 5000


def seed(day: date) -> Any:
    from apps.catalog.models import Category, Product, TicketPackage, TicketType
    from apps.customers.models import Address, Customer
    from apps.ledger.book import Ref
    from apps.ledger.models import Account, AccountKind
    from apps.org.models import Company, Depot
    from apps.subscriptions.models import CalendarChange, Plan, PlanItem, Subscription

    company = Company.objects.create(name="基准牧场")
    depots = [
        Depot.objects.create(
            company=company, name=f"站点{n}", address="—", latitude="30.27", longitude="120.15"
        )
        for n in range(10)
    ]
    milk = Product.objects.create(
        company=company, sku="M1", name="鲜牛奶", category=Category.MILK, price_fen=450
    )
    yoghurt = Product.objects.create(
        company=company, sku="M2", name="酸奶", category=Category.MILK, price_fen=550
    )
    card = TicketType.objects.create(company=company, name="奶卡", kind="milk")
    card.products.set([milk, yoghurt])
    package = TicketPackage.objects.create(
        company=company, ticket_type=card, name="30 次", paid_tickets=30, price_fen=12000
    )
    daily = Plan.objects.create(
        company=company,
        name="每日",
        slot="morning",
        term="card",
        deliveries=30,
        ticket_package=package,
        price_fen=400,
    )
    other = Plan.objects.create(
        company=company,
        name="隔日",
        schedule="every_other_day",
        slot="morning",
        term="monthly",
        price_fen=450,
    )
    PlanItem.objects.bulk_create(
        [PlanItem(plan=daily, product=milk), PlanItem(plan=other, product=milk)]
    )
    for start in range(0, COUNT, CHUNK):
        numbers = range(start, min(start + CHUNK, COUNT))
        customers = Customer.objects.bulk_create(
            Customer(company=company, code=f"C{n:06d}", name=f"客户{n}") for n in numbers
        )
        addresses = Address.objects.bulk_create(
            Address(
                company=company,
                customer=c,
                street=f"路 {n} 号",
                depot=depots[n % 10],
                is_default=True,
            )
            for n, c in zip(numbers, customers, strict=True)
        )
        on_card = [(n, c) for n, c in zip(numbers, customers, strict=True) if n % 10 < 7]
        Account.objects.bulk_create(
            Account(company=company, balance=30 * fields["normal"], **fields)
            for fields in (
                Ref(AccountKind.TICKETS, customer_id=c.pk, ticket_type_id=card.pk).fields()
                for _n, c in on_card
            )
        )
        subscriptions = Subscription.objects.bulk_create(
            Subscription(
                company=company,
                customer=c,
                address=a,
                plan=daily if n % 10 < 7 else other,
                start_date=day - timedelta(days=n % 2),
                quantity=1 + (n % 17 == 0),
            )
            for n, c, a in zip(numbers, customers, addresses, strict=True)
        )
        CalendarChange.objects.bulk_create(
            CalendarChange(company=company, subscription=s, channel="back_office", **change)
            for n, s in zip(numbers, subscriptions, strict=True)
            if (change := _change(n, day, yoghurt))
        )
    return company


def _change(n: int, day: date, yoghurt: Any) -> dict[str, Any] | None:
    kind = n % 50
    if kind == 1:
        return {"kind": "skip", "day": day}
    if kind == 2:
        return {"kind": "swap", "day": day, "product": yoghurt}
    if kind == 3:
        return {"kind": "quantity", "day": day, "quantity": 3}
    if kind == 4:
        return {"kind": "pause", "day": day - timedelta(days=2), "until": day + timedelta(days=5)}
    return None


def copy_seconds(rows: int) -> float:
    """COPY as many order rows into a table shaped like orders_order."""
    from django.db import connection, transaction

    columns = [
        "company_id",
        "customer_id",
        "address_id",
        "depot_id",
        "channel",
        "external_id",
        "status",
        "window_start",
        "window_end",
        "payment_intent",
        "notes",
        "goods_fen",
        "surcharge_fen",
        "deposit_fen",
        "deposit_containers",
        "total_fen",
        "proof",
        "tracking_token",
        "created_at",
        "status_changed_at",
        "fail_reason",
        "cancel_reason",
    ]
    ids = next(
        iter(
            connection.cursor().execute(
                "SELECT company_id, customer_id, address_id, depot_id FROM orders_order LIMIT 1"
            )
        )
    )
    buffer = io.StringIO()
    for n in range(rows):
        buffer.write(
            f"{ids[0]}\t{ids[1]}\t{ids[2]}\t{ids[3]}\tsubscription\tcopy:{n}\tpending\t"
            "2030-01-01 05:00+08\t2030-01-01 07:30+08\tcredit\t每日\t450\t0\t0\t0\t450\t{}\t"
            f"tok{n:040d}\t2030-01-01 00:00+08\t2030-01-01 00:00+08\t\t\n"
        )
    data = buffer.getvalue()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE copy_orders (LIKE orders_order INCLUDING ALL)")
        started = time.perf_counter()
        with cursor.copy(f"COPY copy_orders ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(data)
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE copy_orders")
    return elapsed


def main() -> None:
    setup_django()
    from django.db import connection
    from django.utils import timezone

    from apps.orders.models import Order

    if connection.vendor != "postgresql":
        print("subscriptions_generate: set DATABASE_URL to a PostgreSQL database")
    with bench_database(BENCH):
        day = timezone.localdate() + timedelta(days=1)
        company = seed(day)
        from apps.subscriptions.services.generation import deliveries_generate

        started = time.perf_counter()
        result = deliveries_generate(company=company, day=day)
        generate = time.perf_counter() - started
        started = time.perf_counter()
        again = deliveries_generate(company=company, day=day)
        rerun = time.perf_counter() - started
        orders = Order.objects.filter(company=company).count()
        assert again.created == 0 and orders == result.created, (again, orders, result.created)
        copy = copy_seconds(result.created) if connection.vendor == "postgresql" else 0.0
        figure(BENCH, "subscriptions", COUNT, "rows")
        figure(BENCH, "orders_created", result.created, "rows")
        figure(BENCH, "generate_s", generate, "s")
        figure(BENCH, "rerun_s", rerun, "s")
        figure(BENCH, "copy_same_rows_s", copy, "s")
        if copy:
            figure(BENCH, "generate_to_copy_ratio", generate / copy, "x")


if __name__ == "__main__":
    main()
