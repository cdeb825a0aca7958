"""The book itself: balance, append-only guards, reversal, business keys, verify."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from apps.ledger import services
from apps.ledger.errors import LedgerError
from apps.ledger.models import Account, AccountKind, Posting, Transaction
from apps.ledger.services import Method
from apps.ledger.verify import ledger_verify
from tests.ledger.conftest import World, sqlite_guards_on

pytestmark = pytest.mark.django_db


def _top_up(world: World, key: str = "t1", amount: int = 10000) -> Transaction:
    return services.wallet_top_up(
        company=world.company,
        key=key,
        customer=world.customer,
        amount_fen=amount,
        method=Method.CASH,
    )


def _wallet(world: World) -> Account:
    return Account.objects.get(customer=world.customer, kind=AccountKind.WALLET)


def test_a_top_up_posts_balanced_entries_and_keeps_the_balance(world: World) -> None:
    txn = _top_up(world)
    postings = list(txn.postings.all())
    assert sum(p.amount for p in postings) == 0
    assert _wallet(world).display_balance == 10000
    assert ledger_verify(company=world.company) == []


def test_posting_the_same_business_key_twice_returns_the_first(world: World) -> None:
    first = _top_up(world)
    again = _top_up(world, amount=99999)
    assert again.pk == first.pk
    assert Posting.objects.filter(transaction__company=world.company).count() == 2
    assert _wallet(world).display_balance == 10000


def test_a_wallet_cannot_go_below_zero(world: World) -> None:
    _top_up(world, amount=500)
    with pytest.raises(LedgerError, match=r"¥5\.00"):
        services.wallet_pay(
            company=world.company, key="p1", customer=world.customer, amount_fen=501
        )
    assert _wallet(world).display_balance == 500
    assert not Transaction.objects.filter(key="p1").exists()


def test_a_reversal_mirrors_the_original_and_happens_at_most_once(world: World) -> None:
    original = _top_up(world)
    reversal = services.transaction_reverse(company=world.company, txn=original, reason="录错金额")
    assert reversal.reversal_of == original
    mirrored = {p.account_id: p.amount for p in reversal.postings.all()}
    assert mirrored == {p.account_id: -p.amount for p in original.postings.all()}
    assert _wallet(world).display_balance == 0
    with pytest.raises(LedgerError):
        services.transaction_reverse(company=world.company, txn=original, reason="again")
    with pytest.raises(LedgerError):
        services.transaction_reverse(company=world.company, txn=reversal, reason="undo")
    assert Transaction.objects.filter(reversal_of=original).count() == 1
    assert ledger_verify(company=world.company) == []


def test_the_database_refuses_a_second_reversal_row(world: World) -> None:
    original = _top_up(world)
    services.transaction_reverse(company=world.company, txn=original, reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(
            company=world.company,
            key="manual",
            kind="reversal",
            occurred_at=original.occurred_at,
            reversal_of=original,
            reason="twice",
        )


def test_a_reversal_that_would_overdraw_is_refused(world: World) -> None:
    top_up = _top_up(world, amount=1000)
    services.wallet_pay(company=world.company, key="p", customer=world.customer, amount_fen=800)
    with pytest.raises(LedgerError):
        services.transaction_reverse(company=world.company, txn=top_up, reason="bounced")


def test_a_reversal_needs_a_reason(world: World) -> None:
    with pytest.raises(LedgerError):
        services.transaction_reverse(company=world.company, txn=_top_up(world), reason="  ")


def test_postings_cannot_be_changed_through_the_orm(world: World) -> None:
    sqlite_guards_on()
    _top_up(world)
    with pytest.raises(DatabaseError), transaction.atomic():
        Posting.objects.filter(transaction__company=world.company).update(amount=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        Posting.objects.filter(transaction__company=world.company).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        Transaction.objects.filter(company=world.company).update(description="edited")


def test_postings_cannot_be_changed_with_raw_sql(world: World) -> None:
    sqlite_guards_on()
    txn = _top_up(world)
    for statement in (
        "UPDATE ledger_posting SET amount = amount + 1 WHERE transaction_id = %s",
        "DELETE FROM ledger_posting WHERE transaction_id = %s",
        "DELETE FROM ledger_transaction WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [txn.pk])
    assert Posting.objects.filter(transaction=txn).count() == 2


def test_postgres_refuses_an_unbalanced_transaction_at_commit(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the deferred balance trigger is PostgreSQL's (the service checks elsewhere)")
    txn = _top_up(world)
    wallet = _wallet(world)
    with (
        pytest.raises(DatabaseError, match="does not balance"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO ledger_posting (company_id, transaction_id, account_id, unit, amount,"
            " balance_after) VALUES (%s, %s, %s, 'CNY', -5, 0)",
            [world.company.pk, txn.pk, wallet.pk],
        )
        cursor.execute("SET CONSTRAINTS ledger_posting_balanced IMMEDIATE")


def test_ledger_verify_finds_a_tampered_balance(world: World, capsys) -> None:  # type: ignore[no-untyped-def]
    _top_up(world)
    Account.objects.filter(pk=_wallet(world).pk).update(balance=-1)
    problems = ledger_verify(company=world.company)
    assert any("postings sum to" in p for p in problems)
    with pytest.raises(CommandError, match="not exact"):
        call_command("ledger_verify", "--company", str(world.company.pk), skip_checks=True)
    Account.objects.filter(pk=_wallet(world).pk).update(balance=-10000)
    call_command("ledger_verify", "--company", str(world.company.pk))
    assert "ok" in capsys.readouterr().out


def test_the_nightly_job_tells_the_owner_when_the_book_is_wrong(world: World) -> None:
    from apps.ledger.tasks import ledger_verify_all
    from apps.org.models import Notice

    _top_up(world)
    assert ledger_verify_all() == 0
    Account.objects.filter(pk=_wallet(world).pk).update(balance=-5)
    assert ledger_verify_all() >= 1
    assert ledger_verify_all() >= 1
    notices = Notice.objects.filter(company=world.company, recipient__role="owner")
    assert notices.count() == 1
    assert "账" in notices.get().text


def test_the_nightly_schedule_exists() -> None:
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="ledger-verify-nightly")
    assert schedule.func == "apps.ledger.tasks.ledger_verify_all"
    assert schedule.schedule_type == Schedule.DAILY
