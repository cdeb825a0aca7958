"""Orders through the REST API over HTTP (target: p95 ≤ 100 ms at 100 orders/s, none lost or doubled).

Builds a throw-away database, seeds a company, products, customers and an API
client, starts gunicorn on a free local port against that database, then
sends ``POST /api/v1/orders/`` open-loop at a fixed rate for a fixed time: each
request leaves at its scheduled moment whatever happened to the previous ones,
and its latency counts from that moment, so a slow server cannot hide behind a
slow client. Every logical order has its own Idempotency-Key and about one in
ten is sent a second time shortly after (a client retrying on a timeout),
sometimes while the first is still running. Afterwards the database must hold
exactly one order per key. The company has no quiet hours, so every order's
message queues its send job at once, as in the daytime, whatever the hour of
the run (no job runner consumes them here). The same load against
``GET /api/v1/ping`` (which does nothing) is the ceiling; short closed-loop runs
give the most each can do.

Environment: DATABASE_URL (PostgreSQL expected), BENCH_RATE (100), BENCH_SECONDS
(30), BENCH_WORKERS (gunicorn processes; CPU cores + 1 as in production), BENCH_THREADS
(4 per process). The server runs with config/gunicorn.conf.py, as in production.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import time as time_of_day
from pathlib import Path
from typing import Any

from _common import ROOT, bench_database, figure, machine_speed, percentile, setup_django

BENCH = "orders_intake"
RATE = float(os.environ.get("BENCH_RATE", "100"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "30"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str((os.cpu_count() or 1) + 1)))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
RETRY_SHARE = 0.10
SENDERS = 48
CUSTOMERS = 500
MAX_SECONDS = 10
WARM_UP_SECONDS = 3


@dataclass(order=True)
class Shot:
    at: float
    path: str = field(compare=False)
    body: bytes | None = field(compare=False, default=None)
    key: str = field(compare=False, default="")
    retry: bool = field(compare=False, default=False)


@dataclass
class Outcome:
    shot: Shot
    status: int
    latency_ms: float
    body: bytes
    done: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed() -> dict[str, Any]:
    from apps.catalog.models import Category, ContainerType, Product
    from apps.customers.models import Address, Customer, CustomerPhone
    from apps.orders.services.clients import api_client_create
    from apps.orders.services.notifications import quiet_hours_set
    from apps.org.models import Company, Depot

    company = Company.objects.create(name="基准水站")
    depot = Depot.objects.create(
        company=company, name="总站", address="文三路 1 号", latitude=30.27, longitude=120.13
    )
    bucket = ContainerType.objects.create(company=company, name="18.9L 水桶", deposit_fen=3000)
    products = [
        Product.objects.create(
            company=company,
            sku=f"W-{n}",
            name=f"桶装水 {n}",
            category=Category.WATER,
            price_fen=1200 + 100 * n,
            container_type=bucket,
        )
        for n in range(5)
    ]
    customers = Customer.objects.bulk_create(
        Customer(company=company, code=f"C{n:05d}", name=f"客户{n}") for n in range(CUSTOMERS)
    )
    CustomerPhone.objects.bulk_create(
        CustomerPhone(
            company=company, customer=c, number=f"139{n:08d}", number_reversed=f"139{n:08d}"[::-1]
        )
        for n, c in enumerate(customers)
    )
    Address.objects.bulk_create(
        Address(
            company=company,
            customer=c,
            street=f"文三路 {n} 号",
            floor=1 + n % 7,
            has_elevator=n % 2 == 0,
            depot=depot,
            is_default=True,
            latitude=30.27,
            longitude=120.13,
        )
        for n, c in enumerate(customers)
    )
    quiet_hours_set(company=company, start=time_of_day(0), end=time_of_day(0))
    client, token = api_client_create(company=company, name="基准客户端", channel="api")
    return {
        "company": company,
        "client": client,
        "token": token,
        "customers": [c.pk for c in customers],
        "products": [p.pk for p in products],
    }


def database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_server(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "CONN_MAX_AGE": "60",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
        # The production settings (config/gunicorn.conf.py), with the process and thread
        # counts given here.
        "WEB_CONCURRENCY": str(WORKERS),
        "GUNICORN_THREADS": str(THREADS),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(ROOT / "config" / "gunicorn.conf.py"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/ping")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not answer /api/v1/ping within a minute")


def order_shots(world: dict[str, Any], rng: random.Random, start: float, count: int) -> list[Shot]:
    shots = []
    for index in range(count):
        at = start + index / RATE
        body = {
            "customer": rng.choice(world["customers"]),
            "lines": [
                {"product": product, "quantity": rng.randint(1, 3)}
                for product in rng.sample(world["products"], rng.randint(1, 2))
            ],
            "payment_intent": rng.choice(["cash", "scan", "wallet"]),
            "notes": f"bench {index}",
        }
        shot = Shot(at, "/api/v1/orders/", json.dumps(body).encode(), key=str(uuid.uuid4()))
        shots.append(shot)
        if rng.random() < RETRY_SHARE:
            later = at + rng.uniform(0.02, 0.5)
            shots.append(Shot(later, shot.path, shot.body, key=shot.key, retry=True))
    return sorted(shots)


def fire(port: int, token: str, shots: list[Shot]) -> tuple[list[Outcome], int]:
    """Send each shot at its moment from a pool of keep-alive connections; returns outcomes and failures."""
    pending: queue.Queue[Shot | None] = queue.Queue()
    outcomes: list[Outcome] = []
    failures = 0
    lock = threading.Lock()

    def sender() -> None:
        nonlocal failures
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while (shot := pending.get()) is not None:
            headers = {"Authorization": f"Bearer {token}"}
            if shot.body is not None:
                headers |= {"Content-Type": "application/json", "Idempotency-Key": shot.key}
            try:
                conn.request("POST" if shot.body else "GET", shot.path, shot.body, headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    failures += 1
                continue
            done = time.monotonic()
            with lock:
                outcomes.append(Outcome(shot, response.status, (done - shot.at) * 1000, body, done))
        conn.close()

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for shot in shots:
        delay = shot.at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        pending.put(shot)
    for _ in threads:
        pending.put(None)
    for thread in threads:
        thread.join()
    return outcomes, failures


def closed_loop(port: int, token: str, make: Any, seconds: float) -> float:
    """As many requests as SENDERS connections can push in ``seconds``; returns requests per second."""
    done = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def loop(index: int) -> None:
        nonlocal done
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = 0
        while time.monotonic() < stop:
            method, path, body, headers = make(index, n)
            conn.request(method, path, body, {"Authorization": f"Bearer {token}", **headers})
            response = conn.getresponse()
            response.read()
            n += 1
            if response.status < 400:
                with lock:
                    done += 1
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(SENDERS // 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done / (time.monotonic() - started)


def cpu_seconds(root: int) -> float:
    """CPU time (user + system) of a process and its children so far; 0 where /proc is missing."""
    tick = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [root]
    while pending:
        pid = pending.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
        pending += [int(child) for child in children]
    return total


def report(name: str, outcomes: list[Outcome], failures: int) -> None:
    """Throughput over the whole run: from the first scheduled send to the last answer."""
    ok = [o for o in outcomes if 200 <= o.status < 300]
    latencies = [o.latency_ms for o in outcomes]
    elapsed = max(o.done for o in outcomes) - min(o.shot.at for o in outcomes)
    logical = len({o.shot.key for o in ok}) if name == "orders" else len(ok)
    figure(BENCH, f"{name}_per_s", logical / elapsed, "per_s")
    figure(BENCH, f"{name}_p50_ms", percentile(latencies, 50), "ms")
    figure(BENCH, f"{name}_p95_ms", percentile(latencies, 95), "ms")
    figure(BENCH, f"{name}_p99_ms", percentile(latencies, 99), "ms")
    figure(BENCH, f"{name}_errors_count", failures + len(outcomes) - len(ok), "count")


def check_orders(world: dict[str, Any], outcomes: list[Outcome]) -> None:
    from django_q.models import OrmQ

    from apps.orders.models import IdempotencyRecord, Notification, Order

    keys = {o.shot.key for o in outcomes}
    first: dict[str, bytes] = {}
    mismatched = 0
    for outcome in sorted(outcomes, key=lambda o: o.shot.retry):
        if not 200 <= outcome.status < 300:
            continue
        if outcome.shot.key in first:
            mismatched += outcome.body != first[outcome.shot.key]
        else:
            first[outcome.shot.key] = outcome.body
    answered = {json.loads(body)["id"] for body in first.values()}
    orders = Order.objects.filter(company=world["company"], notes__startswith="bench ")
    stored = set(orders.values_list("pk", flat=True))
    figure(BENCH, "distinct_keys_count", len(keys), "count")
    figure(BENCH, "orders_created_count", len(stored), "count")
    figure(BENCH, "orders_lost_count", len(answered - stored), "count")
    figure(BENCH, "orders_duplicated_count", len(stored) - len(keys), "count")
    figure(BENCH, "retries_count", sum(o.shot.retry for o in outcomes), "count")
    figure(BENCH, "retry_replies_differing_count", mismatched, "count")
    records = IdempotencyRecord.objects.filter(client=world["client"]).count()
    figure(BENCH, "idempotency_records_count", records, "count")
    # With no quiet hours each message queues its send job at once, so the two counts
    # match (the warm-up's orders included).
    messages = Notification.objects.filter(company=world["company"]).count()
    figure(BENCH, "messages_count", messages, "count")
    figure(BENCH, "send_jobs_queued_count", OrmQ.objects.count(), "count")


def main() -> None:
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        print(
            f"# {BENCH}: the target is for PostgreSQL; running on {connection.vendor} (set DATABASE_URL)"
        )
    with bench_database(BENCH):
        world = seed()
        connection.close()  # the server processes need the database more than we do
        port = free_port()
        server = start_server(port)
        try:

            def an_order(index: int, n: int) -> tuple[str, str, bytes, dict[str, str]]:
                body = {
                    "customer": world["customers"][(index * 7919 + n) % CUSTOMERS],
                    "lines": [{"product": world["products"][n % 5], "quantity": 1}],
                    "notes": "closed loop",
                }
                headers = {"Content-Type": "application/json"}
                return "POST", "/api/v1/orders/", json.dumps(body).encode(), headers

            def ping(index: int, n: int) -> tuple[str, str, bytes, dict[str, str]]:
                return "GET", "/api/v1/ping", b"", {}

            # Warm up every worker (imports, translations, connections) before measuring.
            closed_loop(port, world["token"], an_order, WARM_UP_SECONDS)
            machine_speed(BENCH)
            rng = random.Random(7)
            count = int(RATE * SECONDS)
            shots = order_shots(world, rng, time.monotonic() + 0.5, count)
            outcomes, failures = fire(port, world["token"], shots)
            report("orders", outcomes, failures)
            check_orders(world, outcomes)
            pings = [Shot(time.monotonic() + 0.5 + i / RATE, "/api/v1/ping") for i in range(count)]
            outcomes, failures = fire(port, world["token"], pings)
            report("ping", outcomes, failures)
            cpu_before = cpu_seconds(server.pid)
            orders_max = closed_loop(port, world["token"], an_order, MAX_SECONDS)
            cpu = cpu_seconds(server.pid) - cpu_before
            figure(BENCH, "orders_max_per_s", orders_max, "per_s")
            if orders_max:
                # What one order costs the web processes (PostgreSQL's share not included).
                figure(
                    BENCH, "server_cpu_per_order_ms", cpu * 1000 / (orders_max * MAX_SECONDS), "ms"
                )
            figure(
                BENCH,
                "ping_max_per_s",
                closed_loop(port, world["token"], ping, MAX_SECONDS),
                "per_s",
            )
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
