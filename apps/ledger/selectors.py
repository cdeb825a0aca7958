"""Reads of the book that pages, the customer panel, statements and reports share."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from apps.customers.models import BillingMode, Customer
from apps.ledger.models import (
    Account,
    AccountKind,
    CreditBill,
    Discrepancy,
    DiscrepancyStatus,
    Handover,
    Lot,
    Posting,
    Statement,
    StatementBatch,
    Transaction,
)
from apps.org.models import Company, StaffMember

K = AccountKind


@dataclass
class ContainerPosition:
    container_type: Any
    balance: int  # covered - held; negative = 欠桶
    on_deposit: int
    lent: int
    deposit_fen: int

    @property
    def covered(self) -> int:
        return self.on_deposit + self.lent

    @property
    def held(self) -> int:
        return self.covered - self.balance

    @property
    def owed(self) -> int:
        return max(0, -self.balance)


@dataclass
class CustomerSummary:
    wallet_fen: int = 0
    credit_fen: int = 0  # negative: the customer owes
    deposits_fen: int = 0
    tickets: list[tuple[Any, int, int]] = field(default_factory=list)  # type, left, value
    containers: list[ContainerPosition] = field(default_factory=list)
    open_bills: list[CreditBill] = field(default_factory=list)

    @property
    def owed_fen(self) -> int:
        return max(0, -self.credit_fen)


def customer_accounts(*, customer: Customer) -> QuerySet[Account]:
    return Account.objects.filter(company_id=customer.company_id, customer=customer).select_related(
        "ticket_type", "container_type"
    )


def customer_summary(*, customer: Customer) -> CustomerSummary:
    summary = CustomerSummary()
    accounts = list(customer_accounts(customer=customer))
    lots: dict[int, list[Lot]] = defaultdict(list)
    for lot in Lot.objects.filter(account__in=accounts, remaining_quantity__gt=0):
        lots[lot.account_id].append(lot)
    for account in accounts:
        value = account.display_balance
        if account.kind == K.WALLET:
            summary.wallet_fen = value
        elif account.kind == K.RECEIVABLE:
            summary.credit_fen = value
        elif account.kind == K.DEPOSITS:
            summary.deposits_fen = value
        elif account.kind == K.TICKETS:
            worth = sum(lot.remaining_fen for lot in lots[account.pk])
            summary.tickets.append((account.ticket_type, value, worth))
        elif account.kind == K.CONTAINERS:
            own = lots[account.pk]
            summary.containers.append(
                ContainerPosition(
                    container_type=account.container_type,
                    balance=value,
                    on_deposit=sum(lot.remaining_quantity for lot in own if lot.amount_fen),
                    lent=sum(lot.remaining_quantity for lot in own if not lot.amount_fen),
                    deposit_fen=sum(lot.remaining_fen for lot in own),
                )
            )
    summary.open_bills = [
        bill
        for bill in CreditBill.objects.filter(customer=customer).order_by("month")
        if bill.open_fen
    ]
    return summary


def customer_history(
    *, customer: Customer, start: date | None = None, end: date | None = None
) -> QuerySet[Posting]:
    postings = Posting.objects.filter(
        company_id=customer.company_id, account__customer=customer
    ).select_related(
        "transaction",
        "transaction__reversal_of",
        "transaction__reversed_by",
        "account",
        "account__ticket_type",
        "account__container_type",
    )
    if start is not None:
        postings = postings.filter(transaction__occurred_at__gte=_start_of(start))
    if end is not None:
        postings = postings.filter(transaction__occurred_at__lt=_start_of(end + timedelta(days=1)))
    return postings.order_by("-transaction__occurred_at", "-id")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def account_history(*, account: Account) -> QuerySet[Posting]:
    return (
        Posting.objects.filter(account=account)
        .select_related("transaction", "account")
        .order_by("-id")
    )


def transaction_get(*, company: Company, pk: int) -> Transaction:
    return (
        Transaction.objects.select_related("customer", "courier__user", "created_by", "reversal_of")
        .prefetch_related("postings__account")
        .get(company=company, pk=pk)
    )


def balance_at(*, account: Account, moment: datetime) -> int:
    """The displayed balance just before ``moment`` (one indexed lookup)."""
    total = Posting.objects.filter(account=account, transaction__occurred_at__lt=moment).aggregate(
        total=Sum("amount")
    )["total"]
    return int(total or 0) * account.normal


# --- hand-over ----------------------------------------------------------------------


def courier_list(*, company: Company) -> QuerySet[StaffMember]:
    return StaffMember.objects.filter(
        company=company, role="courier", is_active=True
    ).select_related("user", "home_depot")


def handover_expected(*, company: Company, courier: StaffMember) -> list[Account]:
    return list(
        Account.objects.filter(
            company=company,
            courier=courier,
            kind__in=[K.COURIER_CASH, K.COURIER_TICKETS, K.COURIER_EMPTIES],
        )
        .exclude(balance=0, kind__in=[K.COURIER_TICKETS, K.COURIER_EMPTIES])
        .select_related("ticket_type", "container_type")
        .order_by("kind", "id")
    )


def handover_list(*, company: Company) -> QuerySet[Handover]:
    return (
        Handover.objects.filter(company=company)
        .select_related("courier__user", "transaction")
        .prefetch_related("lines", "discrepancies")
    )


def open_discrepancies(*, company: Company) -> QuerySet[Discrepancy]:
    return (
        Discrepancy.objects.filter(company=company, status=DiscrepancyStatus.OPEN)
        .select_related(
            "courier__user", "handover", "account__ticket_type", "account__container_type"
        )
        .order_by("id")
    )


# --- receivables ----------------------------------------------------------------------


@dataclass
class AgingRow:
    customer: Customer
    current: int = 0
    days_0_30: int = 0
    days_31_60: int = 0
    days_60_plus: int = 0

    @property
    def total(self) -> int:
        return self.current + self.days_0_30 + self.days_31_60 + self.days_60_plus


def aging(*, company: Company, today: date | None = None) -> list[AgingRow]:
    """What monthly-credit customers owe, by the age of their closed bills.

    Ages count from the end of the billed month; charges not yet billed are "current".
    """
    today = today or timezone.localdate()
    rows: dict[int, AgingRow] = {}
    receivables = Account.objects.filter(company=company, kind=K.RECEIVABLE).select_related(
        "customer"
    )
    for account in receivables:
        if account.display_balance >= 0:
            continue
        owner = int(account.customer_id or 0)
        rows[owner] = AgingRow(customer=account.customer)  # type: ignore[arg-type]
        rows[owner].current = -account.display_balance
    bills = CreditBill.objects.filter(company=company, customer_id__in=list(rows)).order_by("month")
    for bill in bills:
        if not bill.open_fen:
            continue
        row = rows[bill.customer_id]
        open_fen = min(bill.open_fen, row.current)
        row.current -= open_fen
        month_end = (bill.month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        age = (today - month_end).days
        if age <= 30:
            row.days_0_30 += open_fen
        elif age <= 60:
            row.days_31_60 += open_fen
        else:
            row.days_60_plus += open_fen
    return sorted(rows.values(), key=lambda row: -row.total)


def monthly_credit_customers(*, company: Company) -> QuerySet[Customer]:
    return Customer.objects.filter(company=company).filter(
        Q(billing_mode=BillingMode.MONTHLY_CREDIT)
        | Q(pk__in=Account.objects.filter(company=company, kind=K.RECEIVABLE).values("customer_id"))
    )


# --- stock ----------------------------------------------------------------------------


def stock_levels(*, company: Company) -> QuerySet[Account]:
    return (
        Account.objects.filter(company=company, kind=K.DEPOT_STOCK)
        .select_related("depot", "product")
        .order_by("depot__name", "product__name")
    )


# --- statements -----------------------------------------------------------------------


def statement_list(*, company: Company) -> QuerySet[Statement]:
    return Statement.objects.filter(company=company).select_related(
        "customer", "handover__courier__user"
    )


def batch_list(*, company: Company) -> QuerySet[StatementBatch]:
    return StatementBatch.objects.filter(company=company)


def recent_transactions(*, company: Company, limit: int = 20) -> list[Transaction]:
    return list(
        Transaction.objects.filter(company=company)
        .select_related("customer", "courier__user", "reversal_of")
        .order_by("-id")[:limit]
    )
