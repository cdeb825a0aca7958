"""Each ledger action, its postings and the balances people read."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from apps.ledger import selectors, services
from apps.ledger.errors import LedgerError
from apps.ledger.models import Account, AccountKind, Discrepancy, DiscrepancyStatus
from apps.ledger.services import Line, Method, Payment
from apps.ledger.verify import ledger_verify
from tests.ledger.conftest import World, stock_up

pytestmark = pytest.mark.django_db
K = AccountKind


def _balance(world: World, kind: str, **owner: object) -> int:
    account = Account.objects.filter(company=world.company, kind=kind, **owner).first()
    return account.display_balance if account else 0


def _stock_up(world: World) -> None:
    stock_up(world, 50)


def test_selling_a_ticket_book_credits_tickets_and_the_liability(world: World) -> None:
    services.tickets_sell(
        company=world.company,
        key="s",
        customer=world.customer,
        package=world.package,
        method="cash",
    )
    summary = selectors.customer_summary(customer=world.customer)
    assert summary.tickets == [(world.tickets, 22, 36000)]
    assert _balance(world, K.CASH) == 36000
    assert _balance(world, K.TICKET_LIABILITY) == 36000


def test_unused_tickets_are_refunded_at_the_price_paid(world: World) -> None:
    services.tickets_sell(
        company=world.company,
        key="s",
        customer=world.customer,
        package=world.package,
        method="cash",
    )
    services.tickets_redeem(
        company=world.company,
        key="r",
        customer=world.customer,
        ticket_type=world.tickets,
        quantity=2,
    )
    services.tickets_refund(
        company=world.company,
        key="f",
        customer=world.customer,
        ticket_type=world.tickets,
        quantity=20,
        method=Method.CASH,
    )
    # 22 tickets for ¥360: two used are worth ¥32.72, the twenty left ¥327.28.
    assert _balance(world, K.REVENUE) == 3272
    assert _balance(world, K.CASH) == 36000 - 32728
    assert _balance(world, K.TICKET_LIABILITY) == 0
    assert ledger_verify(company=world.company) == []


def test_a_delivery_paid_with_two_tickets_and_ten_yuan_cash(world: World) -> None:
    _stock_up(world)
    services.tickets_sell(
        company=world.company,
        key="s",
        customer=world.customer,
        package=world.package,
        method="cash",
    )
    pump = world.water.__class__.objects.create(
        company=world.company, sku="PUMP", name="取水器", category="other", price_fen=1000
    )
    services.stock_receive(
        company=world.company, key="in2", depot=world.depot, product=pump, quantity=5
    )
    services.stock_load(
        company=world.company,
        key="l2",
        depot=world.depot,
        courier=world.courier,
        product=pump,
        quantity=5,
    )
    txn = services.delivery_settle(
        company=world.company,
        key="order-1",
        customer=world.customer,
        courier=world.courier,
        lines=[Line(world.water, 2, 1200), Line(pump, 1, 1000)],
        payments=[
            Payment(Method.TICKETS, ticket_type=world.tickets, tickets=2),
            Payment(Method.CASH, 1000),
        ],
        empties={world.bucket: 1},
    )
    assert _balance(world, K.TICKETS, customer=world.customer) == 20
    assert _balance(world, K.COURIER_CASH, courier=world.courier) == 1000
    assert _balance(world, K.COURIER_TICKETS, courier=world.courier) == 2
    assert _balance(world, K.COURIER_EMPTIES, courier=world.courier) == 1
    assert _balance(world, K.CONTAINERS, customer=world.customer) == -1  # owes one bucket
    assert _balance(world, K.REVENUE) == 1000 + 3272
    again = services.delivery_settle(
        company=world.company,
        key="order-1",
        customer=world.customer,
        courier=world.courier,
        lines=[Line(world.water, 2, 1200)],
        payments=[Payment(Method.CASH, 2400)],
    )
    assert again.pk == txn.pk
    assert ledger_verify(company=world.company) == []


def test_payments_must_match_what_is_due(world: World) -> None:
    _stock_up(world)
    with pytest.raises(LedgerError, match=r"¥24\.00"):
        services.delivery_settle(
            company=world.company,
            key="o",
            customer=world.customer,
            courier=world.courier,
            lines=[Line(world.water, 2, 1200)],
            payments=[Payment(Method.CASH, 1000)],
        )


def test_monthly_credit_stops_at_the_credit_limit(world: World) -> None:
    _stock_up(world)
    settle = lambda key, n: services.delivery_settle(  # noqa: E731
        company=world.company,
        key=key,
        customer=world.customer,
        courier=world.courier,
        lines=[Line(world.water, n, 1200)],
        payments=[Payment(Method.CREDIT, n * 1200)],
    )
    settle("a", 40)  # ¥480 of ¥500
    with pytest.raises(LedgerError):
        settle("b", 2)
    assert selectors.customer_summary(customer=world.customer).owed_fen == 48000


def test_deposits_are_refunded_oldest_first_at_the_price_paid(world: World) -> None:
    services.deposit_take(
        company=world.company,
        key="d1",
        customer=world.customer,
        container_type=world.bucket,
        quantity=2,
        method=Method.CASH,
        price_fen=2000,
    )
    services.containers_lend(
        company=world.company,
        key="l",
        customer=world.customer,
        container_type=world.bucket,
        quantity=1,
    )
    services.deposit_take(
        company=world.company,
        key="d2",
        customer=world.customer,
        container_type=world.bucket,
        quantity=1,
        method=Method.CASH,
    )
    position = selectors.customer_summary(customer=world.customer).containers[0]
    assert (position.on_deposit, position.lent, position.deposit_fen) == (3, 1, 7000)
    services.deposit_refund(
        company=world.company,
        key="r",
        customer=world.customer,
        container_type=world.bucket,
        quantity=3,
        method=Method.CASH,
    )
    # the two at ¥20 and the loan at ¥0 go first; the ¥30 deposit stays.
    assert _balance(world, K.DEPOSITS, customer=world.customer) == 3000
    assert ledger_verify(company=world.company) == []


def test_a_deposit_is_not_refunded_while_the_buckets_are_out(world: World) -> None:
    _stock_up(world)
    services.deposit_take(
        company=world.company,
        key="d",
        customer=world.customer,
        container_type=world.bucket,
        quantity=1,
        method=Method.CASH,
    )
    services.containers_move(
        company=world.company,
        key="m",
        customer=world.customer,
        courier=world.courier,
        container_type=world.bucket,
        delivered=2,
        collected=0,
    )
    position = selectors.customer_summary(customer=world.customer).containers[0]
    assert (position.held, position.owed) == (2, 1)
    with pytest.raises(LedgerError):
        services.deposit_refund(
            company=world.company,
            key="r",
            customer=world.customer,
            container_type=world.bucket,
            quantity=1,
            method=Method.CASH,
        )
    services.containers_write_off(
        company=world.company,
        key="w",
        customer=world.customer,
        container_type=world.bucket,
        quantity=1,
        reason="搬家丢失",
    )
    services.containers_write_off(
        company=world.company,
        key="w2",
        customer=world.customer,
        container_type=world.bucket,
        quantity=1,
        forfeit_deposit=True,
    )
    assert _balance(world, K.DEPOSITS, customer=world.customer) == 0
    assert _balance(world, K.FORFEITED_DEPOSITS) == 3000
    assert _balance(world, K.CONTAINERS_LOST, container_type=world.bucket) == 2
    assert ledger_verify(company=world.company) == []


def test_stock_moves_and_a_count_adjusts_the_book(world: World) -> None:
    services.stock_receive(
        company=world.company,
        key="in",
        depot=world.depot,
        product=world.water,
        quantity=30,
        empties_returned=10,
    )
    services.stock_threshold_set(
        company=world.company, depot=world.depot, product=world.water, threshold=20
    )
    with pytest.raises(LedgerError):
        services.stock_load(
            company=world.company,
            key="x",
            depot=world.depot,
            courier=world.courier,
            product=world.water,
            quantity=31,
        )
    services.stock_load(
        company=world.company,
        key="l",
        depot=world.depot,
        courier=world.courier,
        product=world.water,
        quantity=15,
    )
    from apps.org.models import Notice

    assert Notice.objects.filter(company=world.company, key__startswith="ledger-low-stock").exists()
    services.stock_return(
        company=world.company,
        key="r",
        depot=world.depot,
        courier=world.courier,
        goods={world.water: 5},
    )
    assert _balance(world, K.DEPOT_STOCK, depot=world.depot) == 20
    services.stock_count(
        company=world.company, key="c", depot=world.depot, product=world.water, counted=18
    )
    assert _balance(world, K.DEPOT_STOCK, depot=world.depot) == 18
    assert (
        services.stock_count(
            company=world.company, key="c2", depot=world.depot, product=world.water, counted=18
        )
        is None
    )
    assert ledger_verify(company=world.company) == []


def test_a_handover_with_a_shortfall_keeps_it_open_until_resolved(world: World) -> None:
    _stock_up(world)
    for index in range(3):
        services.delivery_settle(
            company=world.company,
            key=f"o{index}",
            customer=world.customer,
            courier=world.courier,
            lines=[Line(world.water, 1, 1200)],
            payments=[Payment(Method.CASH, 1200)],
            empties={world.bucket: 1},
        )
    services.delivery_settle(
        company=world.company,
        key="scan",
        customer=world.customer,
        courier=world.courier,
        lines=[Line(world.water, 1, 1200)],
        payments=[Payment(Method.WECHAT, 1200)],
    )
    expected = {
        a.kind: a for a in selectors.handover_expected(company=world.company, courier=world.courier)
    }
    cash, empties = expected[K.COURIER_CASH], expected[K.COURIER_EMPTIES]
    assert (cash.display_balance, empties.display_balance) == (3600, 3)
    handover = services.handover_record(
        company=world.company,
        courier=world.courier,
        day=timezone.localdate(),
        depot=world.depot,
        counted={cash.pk: 3500, empties.pk: 3},
        declared={cash.pk: 3600, empties.pk: 3},
    )
    assert handover.scan_expected_fen == 1200
    assert _balance(world, K.COURIER_CASH, courier=world.courier) == 0
    assert _balance(world, K.CASH) == 3500
    discrepancy = Discrepancy.objects.get(handover=handover)
    assert discrepancy.amount == 100 and discrepancy.status == DiscrepancyStatus.OPEN
    again = services.handover_record(
        company=world.company,
        courier=world.courier,
        day=timezone.localdate(),
        depot=world.depot,
        counted={},
        declared={},
    )
    assert again.pk == handover.pk
    services.discrepancy_resolve(
        company=world.company, discrepancy=discrepancy, resolution=services.Resolution.HANDED_IN
    )
    assert _balance(world, K.CASH) == 3600
    assert _balance(world, K.COURIER_DIFFERENCE, courier=world.courier) == 0
    with pytest.raises(LedgerError):
        services.discrepancy_resolve(
            company=world.company,
            discrepancy=discrepancy,
            resolution=services.Resolution.WRITTEN_OFF,
        )
    assert ledger_verify(company=world.company) == []


def test_monthly_credit_is_closed_settled_and_aged(world: World) -> None:
    _stock_up(world)
    today = timezone.localdate()
    three_months_ago = (today.replace(day=1) - timedelta(days=75)).replace(day=10)
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=10)
    for key, day in (("old", three_months_ago), ("new", last_month)):
        services.delivery_settle(
            company=world.company,
            key=key,
            customer=world.customer,
            courier=world.courier,
            lines=[Line(world.water, 10, 1200)],
            payments=[Payment(Method.CREDIT, 12000)],
            occurred_at=timezone.make_aware(datetime.combine(day, datetime.min.time())),
        )
    old = services.credit_month_close(
        company=world.company, customer=world.customer, month=three_months_ago
    )
    new = services.credit_month_close(
        company=world.company, customer=world.customer, month=last_month
    )
    assert (old.amount_fen, new.amount_fen) == (12000, 12000)
    with pytest.raises(LedgerError):
        services.credit_month_close(company=world.company, customer=world.customer, month=today)
    row = selectors.aging(company=world.company)[0]
    assert row.days_60_plus == 12000 and row.total == 24000
    payment = services.credit_settle(
        company=world.company,
        key="pay",
        customer=world.customer,
        amount_fen=15000,
        method=Method.BANK,
    )
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.open_fen, new.open_fen) == (0, 9000)
    services.transaction_reverse(company=world.company, txn=payment, reason="退票")
    old.refresh_from_db()
    assert old.open_fen == 12000
    assert ledger_verify(company=world.company) == []


def test_objects_of_another_company_are_refused(world: World, other_team) -> None:  # type: ignore[no-untyped-def]
    from tests.ledger.conftest import make_world

    other = make_world(other_team)
    with pytest.raises(LedgerError):
        services.wallet_top_up(
            company=world.company, key="x", customer=other.customer, amount_fen=1, method="cash"
        )


def test_month_bounds() -> None:
    assert services.month_bounds(date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 2, 28))
