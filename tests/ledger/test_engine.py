"""What posting costs: queries per settlement, and what a repeated business key does not do."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from apps.ledger import services
from apps.ledger.models import Account, AccountKind, Posting, Transaction, with_balance_now
from apps.ledger.services import Line, Method, Payment
from apps.ledger.verify import ledger_verify
from tests.concurrency import require_postgres
from tests.ledger.conftest import World, make_world, stock_up

K = AccountKind

# Inside a test's transaction the service's own transaction is a savepoint:
# SAVEPOINT and RELEASE, and between them on PostgreSQL one statement that
# inserts the transaction and locks its accounts and one that updates the
# balances and inserts the postings; SQLite runs each of those steps alone.
SETTLEMENT_QUERIES = {"postgresql": 4, "sqlite": 6}
# SAVEPOINT, the insert that finds the key taken, reading the first one, RELEASE.
REPEAT_QUERIES = 4


def _stock_up(world: World) -> None:
    stock_up(world, 20)
    services.wallet_top_up(
        company=world.company,
        key="seed",
        customer=world.customer,
        amount_fen=100000,
        method=Method.BANK,
    )


def _settle(world: World, key: str, payments: list[Payment]) -> Transaction:
    return services.delivery_settle(
        company=world.company,
        key=key,
        customer=world.customer,
        courier=world.courier,
        lines=[Line(world.water, 2, 1200)],
        payments=payments,
        empties={world.bucket: 2},
    )


PAYMENTS = {
    "scan": [Payment(Method.WECHAT, 2400)],
    "wallet and cash": [Payment(Method.WALLET, 1200), Payment(Method.CASH, 1200)],
    "monthly credit": [Payment(Method.CREDIT, 2400)],
}


@pytest.mark.django_db
@pytest.mark.parametrize("paid_by", list(PAYMENTS))
def test_a_settlement_takes_a_fixed_number_of_queries(world: World, paid_by: str) -> None:
    _stock_up(world)
    _settle(world, "first", PAYMENTS[paid_by])  # creates the accounts used for the first time
    with CaptureQueriesContext(connection) as queries:
        txn = _settle(world, "second", PAYMENTS[paid_by])
    assert len(queries) == SETTLEMENT_QUERIES[connection.vendor], [
        q["sql"][:80] for q in queries.captured_queries
    ]
    postings = list(Posting.objects.filter(transaction=txn).order_by("id"))
    # goods off the vehicle and sold, buckets out of the goods and into the courier's
    # empties (the customer's two in and two out net to nothing), revenue, one per payment
    assert len(postings) == 5 + len(PAYMENTS[paid_by])
    assert [p.account_id for p in postings] == sorted(p.account_id for p in postings)
    for posting in postings:
        account = Account.objects.get(pk=posting.account_id)
        expected_after = None if account.pooled else account.balance
        assert posting.balance_after == expected_after, account.kind
    assert {p.account.kind for p in postings if p.balance_after is None} >= {
        K.REVENUE,
        K.STOCK_SOLD,
    }
    assert ledger_verify(company=world.company) == []


@pytest.mark.django_db
def test_a_repeated_business_key_reads_the_first_transaction_and_nothing_else(
    world: World,
) -> None:
    _stock_up(world)
    first = _settle(world, "stop-1", PAYMENTS["scan"])
    balances = {a.pk: a.balance_now for a in with_balance_now(Account.objects.all())}
    with CaptureQueriesContext(connection) as queries:
        again = _settle(world, "stop-1", PAYMENTS["wallet and cash"])
    assert len(queries) == REPEAT_QUERIES
    assert again.pk == first.pk
    assert {a.pk: a.balance_now for a in with_balance_now(Account.objects.all())} == balances
    assert Posting.objects.filter(transaction__key="stop-1").count() == 6


@pytest.mark.django_db
def test_accounts_are_created_on_first_use_and_only_then(world: World) -> None:
    _stock_up(world)
    before = Account.objects.count()
    _settle(world, "stop-1", PAYMENTS["wallet and cash"])
    created = Account.objects.count() - before
    assert created == 5  # goods sold, revenue, customer containers, courier empties and cash
    _settle(world, "stop-2", PAYMENTS["wallet and cash"])
    assert Account.objects.count() - before == created
    assert ledger_verify(company=world.company) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_repeat_waits_for_no_account_lock(lifted_sqlite_guards: None) -> None:
    require_postgres()
    world = make_world()
    _stock_up(world)
    _settle(world, "stop-1", PAYMENTS["wallet and cash"])
    wallet = Account.objects.get(customer=world.customer, kind=K.WALLET)
    holding = threading.Event()
    repeated = threading.Event()
    took: list[float] = []

    def hold_the_wallet() -> None:
        try:
            with transaction.atomic():
                Account.objects.select_for_update().get(pk=wallet.pk)
                holding.set()
                repeated.wait(10)
        finally:
            connections.close_all()

    def repeat() -> None:
        try:
            holding.wait(10)
            started = time.monotonic()
            _settle(world, "stop-1", PAYMENTS["wallet and cash"])
            took.append(time.monotonic() - started)
        finally:
            repeated.set()
            connections.close_all()

    threads = [threading.Thread(target=hold_the_wallet), threading.Thread(target=repeat)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert took and took[0] < 5, took
    assert Transaction.objects.filter(key="stop-1").count() == 1
