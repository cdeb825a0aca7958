"""Recompute the book from its postings and check every invariant.

Used by ``manage.py ledger_verify`` and the nightly job. Each check is one
aggregate query per company, so it runs on a large book in seconds.
"""

from __future__ import annotations

from django.db.models import Count, F, Q, Sum, Window

from apps.ledger.models import (
    POOLED_KINDS,
    Account,
    AccountKind,
    Limit,
    Lot,
    LotMovement,
    Posting,
    Transaction,
    TransactionKind,
    with_balance_now,
)
from apps.org.models import Company


def ledger_verify(*, company: Company) -> list[str]:
    """Return a line per problem found in the company's book (empty when it is exact)."""
    problems: list[str] = []
    problems += _balances_match_postings(company)
    problems += _transactions_balance(company)
    problems += _postings_match_accounts(company)
    problems += _running_balances(company)
    problems += _limits(company)
    problems += _reversals_mirror(company)
    problems += _lots(company)
    return problems


def _balances_match_postings(company: Company) -> list[str]:
    totals = dict(
        Posting.objects.filter(company=company)
        .order_by()
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    accounts = with_balance_now(Account.objects.filter(company=company))
    return [
        f"account #{a.pk} ({a.kind} {a.unit} {a.owner_key}): balance {a.balance_now}, "
        f"postings sum to {totals.get(a.pk, 0)}"
        for a in accounts
        if a.balance_now != totals.get(a.pk, 0)
    ]


def _transactions_balance(company: Company) -> list[str]:
    rows = (
        Posting.objects.filter(company=company)
        .values("transaction_id", "unit")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    problems = [
        f"transaction #{r['transaction_id']} does not balance in {r['unit']}: {r['total']}"
        for r in rows
    ]
    empty = Transaction.objects.filter(company=company).annotate(n=Count("postings")).filter(n=0)
    problems += [f"transaction #{t.pk} ({t.kind}) has no postings" for t in empty]
    return problems


def _postings_match_accounts(company: Company) -> list[str]:
    bad = Posting.objects.filter(company=company).filter(
        ~Q(unit=F("account__unit"))
        | ~Q(account__company=company)
        | ~Q(transaction__company=company)
    )
    return [f"posting #{p.pk} does not match its account or transaction" for p in bad]


def _running_balances(company: Company) -> list[str]:
    """Each posting's balance after is the running sum, except for pooled accounts.

    Pooled accounts (split into shards) keep none; their older postings, from
    before they were split, are left out of the check with them."""
    missing = Posting.objects.filter(company=company, balance_after__isnull=True).exclude(
        account__kind__in=POOLED_KINDS
    )
    problems = [f"posting #{p.pk} has no balance after" for p in missing.only("pk")]
    rows = (
        Posting.objects.filter(company=company)
        .exclude(account__kind__in=POOLED_KINDS)
        .annotate(
            running=Window(Sum("amount"), partition_by=[F("account_id")], order_by=F("id").asc())
        )
        .values_list("id", "balance_after", "running")
    )
    return problems + [
        f"posting #{pk}: balance after {after}, running sum {running}"
        for pk, after, running in rows
        if after != running
    ]


def _limits(company: Company) -> list[str]:
    negative = Account.objects.filter(company=company, limit=Limit.NOT_NEGATIVE).filter(
        Q(normal=1, balance__lt=0) | Q(normal=-1, balance__gt=0)
    )
    return [
        f"account #{a.pk} ({a.kind} {a.owner_key}) is below zero: {a.display_balance}"
        for a in negative
    ]


def _reversals_mirror(company: Company) -> list[str]:
    problems = []
    reversals = Transaction.objects.filter(company=company, reversal_of__isnull=False)
    originals: dict[int, dict[int, int]] = {}
    mirrors: dict[int, dict[int, int]] = {}
    ids: dict[int, int] = {t.pk: int(t.reversal_of_id or 0) for t in reversals}
    wanted = set(ids) | set(ids.values())
    for txn_id, account_id, amount in Posting.objects.filter(transaction_id__in=wanted).values_list(
        "transaction_id", "account_id", "amount"
    ):
        target = mirrors if txn_id in ids else originals
        bucket = target.setdefault(txn_id, {})
        bucket[account_id] = bucket.get(account_id, 0) + amount
    for reversal_id, original_id in ids.items():
        expected = {k: -v for k, v in originals.get(original_id, {}).items()}  # type: ignore[arg-type]
        if mirrors.get(reversal_id, {}) != expected:
            problems.append(f"reversal #{reversal_id} does not mirror #{original_id}")
    chained = reversals.filter(reversal_of__reversal_of__isnull=False)
    problems += [f"reversal #{t.pk} reverses a reversal" for t in chained]
    return problems


def _lots(company: Company) -> list[str]:
    problems = []
    movement_sums = {
        row["lot_id"]: (row["quantity"], row["amount"])
        for row in LotMovement.objects.filter(company=company)
        .values("lot_id")
        .annotate(quantity=Sum("quantity"), amount=Sum("amount_fen"))
    }
    per_account: dict[int, tuple[int, int]] = {}
    for lot in Lot.objects.filter(company=company):
        quantity, amount = movement_sums.get(lot.pk, (0, 0))
        if (quantity, amount) != (lot.remaining_quantity, lot.remaining_fen):
            problems.append(
                f"lot #{lot.pk}: remaining {lot.remaining_quantity}/{lot.remaining_fen}, "
                f"movements give {quantity}/{amount}"
            )
        count, value = per_account.get(lot.account_id, (0, 0))
        per_account[lot.account_id] = (count + lot.remaining_quantity, value + lot.remaining_fen)
    tickets = Account.objects.filter(company=company, kind=AccountKind.TICKETS)
    liability = 0
    for account in tickets:
        count, value = per_account.get(account.pk, (0, 0))
        liability += value
        if count != account.display_balance:
            problems.append(
                f"account #{account.pk}: {account.display_balance} tickets, lots hold {count}"
            )
    ticket_liability = Account.objects.filter(
        company=company, kind=AccountKind.TICKET_LIABILITY
    ).first()
    if (ticket_liability.display_balance if ticket_liability else 0) != liability:
        problems.append(
            f"unused ticket liability is {ticket_liability.display_balance if ticket_liability else 0}, "
            f"the ticket lots are worth {liability}"
        )
    deposits: dict[int, int] = {
        int(a.customer_id or 0): a.display_balance
        for a in Account.objects.filter(company=company, kind=AccountKind.DEPOSITS)
    }
    lot_deposits: dict[int, int] = {}
    for account in Account.objects.filter(company=company, kind=AccountKind.CONTAINERS):
        _count, value = per_account.get(account.pk, (0, 0))
        owner = int(account.customer_id or 0)
        lot_deposits[owner] = lot_deposits.get(owner, 0) + value
    for customer_id in set(deposits) | set(lot_deposits):
        if deposits.get(customer_id, 0) != lot_deposits.get(customer_id, 0):
            problems.append(
                f"customer #{customer_id}: deposits held {deposits.get(customer_id, 0)}, "
                f"deposit lots worth {lot_deposits.get(customer_id, 0)}"
            )
    stray = Transaction.objects.filter(company=company, kind=TransactionKind.REVERSAL).filter(
        reversal_of__isnull=True
    )
    problems += [f"reversal #{t.pk} has no original" for t in stray]
    return problems
