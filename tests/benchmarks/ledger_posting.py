"""Delivery settlements posted per second on PostgreSQL from 4 concurrent connections, then verify.

Four worker processes (one connection each, no shared GIL), one courier each, all
posting to the same company revenue and clearing accounts. Also printed: the
queries one settlement takes (transaction control included) and the CPU time
the workers spend per settlement, which depend less on what else the machine runs.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time

from _common import figure, machine_speed, setup_django

BENCH = "ledger_posting"
WORKERS = 4
PER_WORKER = int(os.environ.get("LEDGER_BENCH_SETTLEMENTS", "500"))


def main() -> None:
    setup_django()
    from django.db import connection, connections
    from django.test.utils import setup_test_environment, teardown_test_environment

    if connection.vendor != "postgresql":
        print(
            f"{BENCH}: needs PostgreSQL (set DATABASE_URL=postgres://…); skipped on {connection.vendor}",
            file=sys.stderr,
        )
        return
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        from apps.ledger import services
        from apps.ledger.services import Line, Method, Payment
        from apps.ledger.verify import ledger_verify
        from tests.ledger.conftest import make_customer, make_world

        world = make_world()
        customers = [make_customer(world.company) for _ in range(200)]
        for customer in customers:
            services.wallet_top_up(
                company=world.company,
                key=f"seed-{customer.pk}",
                customer=customer,
                amount_fen=10_000_000,
                method=Method.BANK,
            )
        services.stock_receive(
            company=world.company,
            key="in",
            depot=world.depot,
            product=world.water,
            quantity=WORKERS * PER_WORKER * 3,
        )
        services.stock_load(
            company=world.company,
            key="load",
            depot=world.depot,
            courier=world.courier,
            product=world.water,
            quantity=PER_WORKER * 2,
        )
        from apps.org.models import Role
        from tests.factories import StaffFactory

        couriers = [world.courier] + [
            StaffFactory(company=world.company, role=Role.COURIER, home_depot=world.depot)
            for _ in range(WORKERS - 1)
        ]
        for courier in couriers[1:]:
            services.stock_load(
                company=world.company,
                key=f"load-{courier.pk}",
                depot=world.depot,
                courier=courier,
                product=world.water,
                quantity=PER_WORKER * 2,
            )
        from django.test.utils import CaptureQueriesContext

        def probe(key: str) -> None:
            services.delivery_settle(
                company=world.company,
                key=key,
                customer=customers[0],
                courier=couriers[0],
                lines=[Line(world.water, 1, 1200)],
                payments=[Payment(Method.WECHAT, 1200)],
                empties={world.bucket: 1},
            )

        probe("probe-first")  # creates the accounts it uses
        with CaptureQueriesContext(connection) as queries:
            probe("probe")
        figure(BENCH, "settlement_queries_count", len(queries), "count")
        connections.close_all()
        machine_speed(BENCH)
        context = multiprocessing.get_context("fork")
        barrier = context.Barrier(WORKERS + 1)
        cpu_seconds = context.Array("d", WORKERS)

        def work(worker: int) -> None:
            barrier.wait()
            cpu_started = time.process_time()
            for index in range(PER_WORKER):
                customer = customers[(worker * 7919 + index) % len(customers)]
                payments = (
                    [Payment(Method.WALLET, 1200), Payment(Method.CASH, 1200)]
                    if index % 2
                    else [Payment(Method.WECHAT, 2400)]
                )
                services.delivery_settle(
                    company=world.company,
                    key=f"b-{worker}-{index}",
                    customer=customer,
                    courier=couriers[worker],
                    lines=[Line(world.water, 2, 1200)],
                    payments=payments,
                    empties={world.bucket: 2},
                )
            cpu_seconds[worker] = time.process_time() - cpu_started
            connections.close_all()

        workers = [context.Process(target=work, args=(w,)) for w in range(WORKERS)]
        for process in workers:
            process.start()
        barrier.wait()
        started = time.perf_counter()
        for process in workers:
            process.join()
        elapsed = time.perf_counter() - started
        if any(process.exitcode for process in workers):
            raise SystemExit(f"{BENCH}: a worker failed")
        figure(BENCH, "settlements_per_s", WORKERS * PER_WORKER / elapsed, "per_s")
        figure(
            BENCH,
            "client_cpu_per_settlement_ms",
            sum(cpu_seconds[:]) * 1000 / (WORKERS * PER_WORKER),
            "ms",
        )
        verify_started = time.perf_counter()
        problems = ledger_verify(company=world.company)
        figure(BENCH, "verify_ms", (time.perf_counter() - verify_started) * 1000, "ms")
        figure(BENCH, "verify_problems_count", len(problems), "count")
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
