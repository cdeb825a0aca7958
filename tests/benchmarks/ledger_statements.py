"""Customer statements for 1,000 customers × 1 month: time per statement (data + PDF)."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta

from _common import figure, median, percentile, setup_django

BENCH = "ledger_statements"
CUSTOMERS = int(os.environ.get("LEDGER_BENCH_CUSTOMERS", "1000"))


def main() -> None:
    setup_django()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        from django.utils import timezone

        from apps.ledger import services, statements
        from apps.ledger.models import Statement
        from apps.ledger.services import Line, Method, Payment
        from tests.ledger.conftest import make_customer, make_world

        world = make_world()
        month_start = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
        services.stock_receive(
            company=world.company,
            key="in",
            depot=world.depot,
            product=world.water,
            quantity=CUSTOMERS * 10,
        )
        services.stock_load(
            company=world.company,
            key="load",
            depot=world.depot,
            courier=world.courier,
            product=world.water,
            quantity=CUSTOMERS * 10,
        )
        customers = []
        for number in range(CUSTOMERS):
            customer = make_customer(world.company, credit_limit_fen=1_000_000)
            customers.append(customer)
            services.tickets_sell(
                company=world.company,
                key=f"t-{number}",
                customer=customer,
                package=world.package,
                method=Method.CASH,
                occurred_at=timezone.make_aware(datetime.combine(month_start, datetime.min.time())),
            )
            for stop in range(6):
                when = timezone.make_aware(
                    datetime.combine(month_start + timedelta(days=stop * 4), datetime.min.time())
                )
                services.delivery_settle(
                    company=world.company,
                    key=f"d-{number}-{stop}",
                    customer=customer,
                    courier=world.courier,
                    lines=[Line(world.water, 2, 1200)],
                    payments=[
                        Payment(Method.TICKETS, ticket_type=world.tickets, tickets=1),
                        Payment(Method.CREDIT, 1200),
                    ],
                    empties={world.bucket: 1},
                    occurred_at=when,
                )
        month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        samples = []
        for customer in customers:
            started = time.perf_counter()
            statement = statements.statement_request(
                company=world.company,
                customer=customer,
                period_start=month_start,
                period_end=month_end,
                enqueue=False,
            )
            statements.statement_render(statement_id=statement.pk)
            samples.append(time.perf_counter() - started)
        assert Statement.objects.filter(status="done").count() == CUSTOMERS
        figure(BENCH, "statement_median_s", median(samples), "s")
        figure(BENCH, "statement_p95_s", percentile(samples, 95), "s")
        figure(BENCH, "statements_total_s", sum(samples), "s")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
