"""Random sequences of ledger actions against a simple model; the book stays exact after every step."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from apps.ledger import services
from apps.ledger.errors import LedgerError
from apps.ledger.models import Account, AccountKind, Posting
from apps.ledger.services import Line, Method, Payment
from apps.ledger.verify import ledger_verify
from tests.ledger.conftest import make_world

keys = itertools.count()


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.world = make_world()
        services.stock_receive(
            company=self.world.company,
            key="initial",
            depot=self.world.depot,
            product=self.world.water,
            quantity=1000,
        )
        services.stock_load(
            company=self.world.company,
            key="load",
            depot=self.world.depot,
            courier=self.world.courier,
            product=self.world.water,
            quantity=500,
        )
        self.wallet = 0
        self.tickets = 0
        self.containers = 0  # covered - held
        self.effects: dict[int, tuple[int, int, int]] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _key(self) -> str:
        return f"k{next(keys)}"

    def _do(self, effect: tuple[int, int, int], action: Any, **kwargs: Any) -> None:
        wallet, tickets, containers = effect
        should_pass = self.wallet + wallet >= 0 and self.tickets + tickets >= 0
        try:
            txn = action(company=self.world.company, key=self._key(), **kwargs)
        except LedgerError:
            assert not should_pass or kwargs.get("_may_fail"), (action, kwargs)
            return
        assert should_pass, f"{action.__name__} should have been refused"
        self.wallet += wallet
        self.tickets += tickets
        self.containers += containers
        self.effects[txn.pk] = effect

    @rule(amount=st.integers(1, 5000))
    def top_up(self, amount: int) -> None:
        self._do(
            (amount, 0, 0),
            services.wallet_top_up,
            customer=self.world.customer,
            amount_fen=amount,
            method=Method.CASH,
        )

    @rule(amount=st.integers(1, 5000))
    def pay_from_wallet(self, amount: int) -> None:
        self._do(
            (-amount, 0, 0), services.wallet_pay, customer=self.world.customer, amount_fen=amount
        )

    @rule(books=st.integers(1, 2), method=st.sampled_from([Method.CASH, Method.WALLET]))
    def sell_tickets(self, books: int, method: str) -> None:
        price = self.world.package.price_fen * books
        self._do(
            (-price if method == Method.WALLET else 0, 22 * books, 0),
            services.tickets_sell,
            customer=self.world.customer,
            package=self.world.package,
            method=method,
            quantity=books,
        )

    @rule(count=st.integers(1, 30))
    def redeem(self, count: int) -> None:
        self._do(
            (0, -count, 0),
            services.tickets_redeem,
            customer=self.world.customer,
            ticket_type=self.world.tickets,
            quantity=count,
            courier=self.world.courier,
        )

    def _wallet_balance(self) -> int:
        account = Account.objects.filter(customer=self.world.customer, kind=AccountKind.WALLET)
        return account[0].display_balance if account else 0

    @rule(count=st.integers(1, 10))
    def refund_tickets(self, count: int) -> None:
        before = self._wallet_balance()
        try:
            txn = services.tickets_refund(
                company=self.world.company,
                key=self._key(),
                customer=self.world.customer,
                ticket_type=self.world.tickets,
                quantity=count,
                method=Method.WALLET,
            )
        except LedgerError:
            assert self.tickets < count
            return
        paid_back = self._wallet_balance() - before
        assert 0 < paid_back <= count * 36000 // 20 + 1
        self.wallet += paid_back
        self.tickets -= count
        self.effects[txn.pk] = (paid_back, -count, 0)

    @rule(quantity=st.integers(1, 3), tickets=st.integers(0, 3), wallet=st.booleans())
    def settle_delivery(self, quantity: int, tickets: int, wallet: bool) -> None:
        tickets = min(tickets, quantity)
        due = (quantity - tickets) * 1200
        payments = (
            [Payment(Method.TICKETS, ticket_type=self.world.tickets, tickets=tickets)]
            if tickets
            else []
        )
        if due:
            payments.append(Payment(Method.WALLET if wallet else Method.CASH, due))
        self._do(
            (-due if wallet else 0, -tickets, -quantity + 1),
            services.delivery_settle,
            customer=self.world.customer,
            courier=self.world.courier,
            lines=[Line(self.world.water, quantity, 1200)],
            payments=payments,
            empties={self.world.bucket: 1},
        )

    @rule(count=st.integers(1, 3), lend=st.booleans())
    def cover_containers(self, count: int, lend: bool) -> None:
        if lend:
            self._do(
                (0, 0, count),
                services.containers_lend,
                customer=self.world.customer,
                container_type=self.world.bucket,
                quantity=count,
            )
        else:
            self._do(
                (0, 0, count),
                services.deposit_take,
                customer=self.world.customer,
                container_type=self.world.bucket,
                quantity=count,
                method=Method.CASH,
            )

    @rule(count=st.integers(1, 3))
    def refund_deposit(self, count: int) -> None:
        try:
            txn = services.deposit_refund(
                company=self.world.company,
                key=self._key(),
                customer=self.world.customer,
                container_type=self.world.bucket,
                quantity=count,
                method=Method.CASH,
            )
        except LedgerError:
            return
        assert self.containers >= count
        self.containers -= count
        self.effects[txn.pk] = (0, 0, -count)

    @rule(count=st.integers(1, 3))
    def write_off(self, count: int) -> None:
        try:
            txn = services.containers_write_off(
                company=self.world.company,
                key=self._key(),
                customer=self.world.customer,
                container_type=self.world.bucket,
                quantity=count,
            )
        except LedgerError:
            assert -self.containers < count
            return
        self.containers += count
        self.effects[txn.pk] = (0, 0, count)

    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        if not self.effects:
            return
        txn_id = data.draw(st.sampled_from(sorted(self.effects)))
        from apps.ledger.models import Transaction

        original = Transaction.objects.get(pk=txn_id)
        try:
            services.transaction_reverse(company=self.world.company, txn=original, reason="test")
        except LedgerError:
            return
        wallet, tickets, containers = self.effects.pop(txn_id)
        self.wallet -= wallet
        self.tickets -= tickets
        self.containers -= containers

    @invariant()
    def the_book_is_exact(self) -> None:
        assert ledger_verify(company=self.world.company) == []
        units: dict[str, int] = {}
        for unit, amount in Posting.objects.filter(company=self.world.company).values_list(
            "unit", "amount"
        ):
            units[unit] = units.get(unit, 0) + amount
        assert all(total == 0 for total in units.values()), units

    @invariant()
    def the_model_agrees(self) -> None:
        balances = {
            a.kind: a.display_balance for a in Account.objects.filter(customer=self.world.customer)
        }
        assert balances.get(AccountKind.WALLET, 0) == self.wallet
        assert balances.get(AccountKind.TICKETS, 0) == self.tickets
        assert balances.get(AccountKind.CONTAINERS, 0) == self.containers
        assert self.wallet >= 0 and self.tickets >= 0


@pytest.mark.django_db
def test_random_action_sequences_keep_the_book_exact() -> None:
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=20,
            database=None,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            report_multiple_bugs=False,
        ),
    )
