"""Pooled accounts (revenue, clearing, goods sold…) are split into shards on PostgreSQL.

Two settlements at once never queue on the company's revenue row, a posting finds
another home when every shard is busy, and every balance still adds up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, connections, transaction

from apps.ledger import services
from apps.ledger.models import Account, AccountKind, BalanceShard, Posting, Transaction
from apps.ledger.services import Line, Method, Payment
from apps.ledger.verify import ledger_verify
from apps.org.models import Role, StaffMember
from tests.concurrency import require_postgres
from tests.factories import StaffFactory
from tests.ledger.conftest import World, make_customer, make_world, stock_up

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
K = AccountKind


@pytest.fixture
def pg_world(lifted_sqlite_guards: None) -> World:
    require_postgres()
    world = make_world()
    stock_up(world, 50, load=40)
    return world


def _second_courier(world: World) -> StaffMember:
    courier = StaffFactory(company=world.company, role=Role.COURIER, home_depot=world.depot)
    services.stock_load(
        company=world.company,
        key="load-second",
        depot=world.depot,
        courier=courier,
        product=world.water,
        quantity=10,
    )
    return courier


def _settle(
    world: World, key: str, *, customer_code: str = "", courier: StaffMember | None = None
) -> Transaction:
    """One bucket paid by WeChat; another customer (and courier) share only pooled accounts."""
    customer = world.customer
    if customer_code:
        customer = make_customer(world.company, code=customer_code)
    return services.delivery_settle(
        company=world.company,
        key=key,
        customer=customer,
        courier=courier or world.courier,
        lines=[Line(world.water, 1, 1200)],
        payments=[Payment(Method.WECHAT, 1200)],
        empties={},
    )


def _revenue(world: World) -> Account:
    return Account.objects.get(company=world.company, kind=K.REVENUE)


def _stops_settled(world: World, count: int) -> Account:
    """Settle ``count`` stops (keys stop-0, stop-1…); returns the company's revenue account."""
    for index in range(count):
        _settle(world, f"stop-{index}")
    return _revenue(world)


@contextmanager
def _held_elsewhere(hold: Callable[[], object]) -> Iterator[None]:
    """Run ``hold`` in a transaction on another connection and keep it open meanwhile."""
    holding = threading.Event()
    release = threading.Event()

    def keep_open() -> None:
        try:
            with transaction.atomic():
                hold()
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=keep_open)
    holder.start()
    try:
        assert holding.wait(10)
        yield
    finally:
        release.set()
        holder.join(10)


def test_a_settlement_does_not_wait_for_another_one_holding_the_revenue(pg_world: World) -> None:
    world = pg_world
    _settle(world, "first")  # the pooled accounts and their shards exist from here on
    other_courier = _second_courier(world)
    with _held_elsewhere(lambda: _settle(world, "slow")):
        started = time.monotonic()
        _settle(world, "quick", customer_code="QUICK1", courier=other_courier)
        waited = time.monotonic() - started
    assert waited < 2, f"the second settlement waited {waited:.1f} s for the first"
    assert _revenue(world).display_balance == 3 * 1200
    assert ledger_verify(company=world.company) == []


def test_when_every_shard_is_busy_the_posting_goes_to_the_account_row(pg_world: World) -> None:
    world = pg_world
    _settle(world, "first")
    revenue = _revenue(world)
    row_before = revenue.balance
    every_shard = BalanceShard.objects.select_for_update().filter(account=revenue)
    assert every_shard.count() > 1
    with _held_elsewhere(lambda: list(every_shard)):
        _settle(world, "second", customer_code="BUSY1")
    revenue.refresh_from_db()
    assert revenue.balance * revenue.normal == row_before * revenue.normal + 1200
    assert revenue.display_balance == 2 * 1200
    assert ledger_verify(company=world.company) == []


def test_pooled_postings_keep_no_running_balance_and_verify_checks_the_shards(
    pg_world: World,
) -> None:
    world = pg_world
    revenue = _stops_settled(world, 3)
    postings = Posting.objects.filter(account=revenue)
    assert postings.count() == 3
    assert set(postings.values_list("balance_after", flat=True)) == {None}
    assert revenue.display_balance == 3 * 1200
    assert ledger_verify(company=world.company) == []
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_balanceshard SET balance = balance + 1 WHERE id = %s",
            [BalanceShard.objects.filter(account=revenue).values_list("pk", flat=True)[0]],
        )
    problems = ledger_verify(company=world.company)
    assert len(problems) == 1
    assert f"account #{revenue.pk}" in problems[0]


def test_a_connection_prepares_the_posting_statements_once_and_keeps_posting_right(
    pg_world: World,
) -> None:
    world = pg_world
    revenue = _stops_settled(world, 4)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    # The statement that opens the transaction and locks, and the one that stores.
    opening = [s for s in prepared if 'INSERT INTO "ledger_transaction"' in s]
    storing = [s for s in prepared if 'INSERT INTO "ledger_posting"' in s]
    assert len(opening) == len(storing) == 1
    assert revenue.display_balance == 4 * 1200
    assert _settle(world, "stop-0").pk == Transaction.objects.get(key="stop-0").pk
    assert Transaction.objects.filter(company=world.company, key__startswith="stop-").count() == 4
    assert ledger_verify(company=world.company) == []
