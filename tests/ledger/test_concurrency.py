"""Races on PostgreSQL with real connections: one thread, one connection, one transaction."""

from __future__ import annotations

import pytest

from apps.ledger import services
from apps.ledger.errors import LedgerError
from apps.ledger.models import Account, AccountKind, Transaction
from apps.ledger.services import Method
from apps.ledger.verify import ledger_verify
from tests.concurrency import race, require_postgres
from tests.ledger.conftest import World, make_world, stock_up

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pg_world(lifted_sqlite_guards: None) -> World:
    require_postgres()
    return make_world()


def _wallet(world: World) -> Account:
    return Account.objects.get(customer=world.customer, kind=AccountKind.WALLET)


def test_fifty_debits_against_twenty_leave_exactly_twenty(pg_world: World) -> None:
    world = pg_world
    services.wallet_top_up(
        company=world.company,
        key="seed",
        customer=world.customer,
        amount_fen=20,
        method=Method.CASH,
    )

    def debit(index: int) -> Transaction:
        return services.wallet_pay(
            company=world.company, key=f"debit-{index}", customer=world.customer, amount_fen=1
        )

    succeeded, refused = race(50, debit)
    assert len(succeeded) == 20
    assert len(refused) == 30
    assert all(isinstance(error, LedgerError) for error in refused), refused[:3]
    assert all("¥0.00" in str(error) for error in refused)
    assert _wallet(world).display_balance == 0
    assert ledger_verify(company=world.company) == []


def test_a_hundred_concurrent_top_ups_lose_no_update(pg_world: World) -> None:
    world = pg_world

    def top_ups(index: int) -> list[Transaction]:
        # 25 connections, four one-yuan top-ups each, every one its own transaction:
        # a hundred concurrent increments without exhausting max_connections.
        return [
            services.wallet_top_up(
                company=world.company,
                key=f"plus-{index}-{n}",
                customer=world.customer,
                amount_fen=100,
                method=Method.WECHAT,
            )
            for n in range(4)
        ]

    succeeded, errors = race(25, top_ups)
    assert errors == []
    assert sum(len(batch) for batch in succeeded) == 100
    assert _wallet(world).display_balance == 10000
    assert ledger_verify(company=world.company) == []


def test_twenty_attempts_with_one_business_key_post_once(pg_world: World) -> None:
    world = pg_world

    def sell(index: int) -> int:
        return services.tickets_sell(
            company=world.company,
            key="sale-once",
            customer=world.customer,
            package=world.package,
            method=Method.CASH,
        ).pk

    ids, errors = race(20, sell)
    assert errors == []
    assert len(set(ids)) == 1
    assert Transaction.objects.filter(company=world.company).count() == 1
    tickets = Account.objects.get(customer=world.customer, kind=AccountKind.TICKETS)
    assert tickets.display_balance == 22
    assert ledger_verify(company=world.company) == []


def test_concurrent_settlements_in_crossing_order_do_not_deadlock(pg_world: World) -> None:
    from tests.ledger.conftest import make_customer

    world = pg_world
    other = make_customer(world.company)
    for customer in (world.customer, other):
        services.wallet_top_up(
            company=world.company,
            key=f"seed-{customer.pk}",
            customer=customer,
            amount_fen=100000,
            method=Method.CASH,
        )
    stock_up(world, 100)

    def settle(index: int) -> Transaction:
        customer = (world.customer, other)[index % 2]
        return services.delivery_settle(
            company=world.company,
            key=f"stop-{index}",
            customer=customer,
            courier=world.courier,
            lines=[services.Line(world.water, 1, 1200)],
            empties={world.bucket: 1},
            payments=[services.Payment(Method.WALLET, 700), services.Payment(Method.CASH, 500)],
        )

    succeeded, errors = race(30, settle)
    assert errors == []
    assert len(succeeded) == 30
    assert ledger_verify(company=world.company) == []
