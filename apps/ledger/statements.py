"""Customer statements and courier collection sheets: PDF snapshots rendered by jobs.

A request creates a ``Statement`` row and queues its job in the same database
transaction (ORM broker). The job renders once, in the customer's language,
stores the file with its sha256 and never renders that row again; progress
(percent and a message) is saved on the row for the page to poll.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.core.jobs import job_enqueue
from apps.customers.models import Customer
from apps.ledger import selectors
from apps.ledger.errors import LedgerError
from apps.ledger.models import (
    MONEY,
    Account,
    AccountKind,
    CreditBill,
    Handover,
    JobStatus,
    Posting,
    Statement,
    StatementBatch,
    StatementKind,
)
from apps.ledger.pdf import CJK_FONT, html_to_pdf
from apps.ledger.services import month_bounds
from apps.org.models import Company

JOB_TIMEOUT = 120  # seconds; the cluster's retry (360 s) stays longer


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass
class Movement:
    when: datetime
    description: str
    amount: int
    balance: int
    reference: int


@dataclass
class AccountSection:
    account: Account
    opening: int
    closing: int
    movements: list[Movement] = field(default_factory=list)

    @property
    def is_money(self) -> bool:
        return self.account.unit == MONEY


@dataclass
class StatementData:
    customer: Customer
    start: date
    end: date
    sections: list[AccountSection]
    amount_due_fen: int
    open_bills: list[CreditBill]
    generated_at: datetime


KIND_ORDER = [
    AccountKind.RECEIVABLE,
    AccountKind.WALLET,
    AccountKind.DEPOSITS,
    AccountKind.TICKETS,
    AccountKind.CONTAINERS,
]


def statement_data(*, customer: Customer, start: date, end: date) -> StatementData:
    """Opening balances, every movement and closing balances of every customer account."""
    since, until = _start_of(start), _start_of(end + timedelta(days=1))
    accounts = list(selectors.customer_accounts(customer=customer))
    openings = {
        row["account_id"]: int(row["total"] or 0)
        for row in Posting.objects.filter(account__in=accounts, transaction__occurred_at__lt=since)
        .values("account_id")
        .annotate(total=Sum("amount"))
    }
    moves: dict[int, list[Any]] = defaultdict(list)
    for posting in (
        Posting.objects.filter(
            account__in=accounts,
            transaction__occurred_at__gte=since,
            transaction__occurred_at__lt=until,
        )
        .select_related("transaction")
        .order_by("transaction__occurred_at", "id")
    ):
        moves[posting.account_id].append(posting)
    sections = []
    for account in sorted(accounts, key=lambda a: (KIND_ORDER.index(a.kind), a.unit)):  # type: ignore[arg-type]
        balance = openings.get(account.pk, 0) * account.normal
        section = AccountSection(account=account, opening=balance, closing=balance)
        for posting in moves[account.pk]:
            amount = posting.amount * account.normal
            balance += amount
            txn = posting.transaction
            section.movements.append(
                Movement(
                    when=timezone.localtime(txn.occurred_at),
                    description=f"{txn.get_kind_display()} {txn.description}".strip(),
                    amount=amount,
                    balance=balance,
                    reference=txn.pk,
                )
            )
        section.closing = balance
        if section.movements or section.opening:
            sections.append(section)
    receivable = next((s for s in sections if s.account.kind == AccountKind.RECEIVABLE), None)
    return StatementData(
        customer=customer,
        start=start,
        end=end,
        sections=sections,
        amount_due_fen=max(0, -receivable.closing) if receivable else 0,
        open_bills=[
            b for b in CreditBill.objects.filter(customer=customer, month__lte=end) if b.open_fen
        ],
        generated_at=timezone.localtime(),
    )


def _enqueue(func: str, object_id: int, name: str) -> None:
    job_enqueue(func, object_id, task_name=name, timeout=JOB_TIMEOUT)


@transaction.atomic
def statement_request(
    *,
    company: Company,
    customer: Customer,
    period_start: date,
    period_end: date,
    created_by: Any = None,
    batch: StatementBatch | None = None,
    enqueue: bool = True,
) -> Statement:
    """Ask for a statement; one already being rendered for the same period is returned."""
    if customer.company_id != company.pk:
        raise LedgerError(_("%(thing)s belongs to another company.") % {"thing": customer})
    return _request(
        company=company,
        kind=StatementKind.CUSTOMER,
        subject=f"customer:{customer.pk}",
        fields={"customer": customer, "language": customer.language, "batch": batch},
        period=(period_start, period_end),
        created_by=created_by,
        enqueue=enqueue,
    )


@transaction.atomic
def collection_sheet_request(
    *, company: Company, handover: Handover, created_by: Any = None
) -> Statement:
    if handover.company_id != company.pk:
        raise LedgerError(_("%(thing)s belongs to another company.") % {"thing": handover})
    done = Statement.objects.filter(
        company=company, handover=handover, status=JobStatus.DONE
    ).first()
    if done is not None:
        return done
    return _request(
        company=company,
        kind=StatementKind.COLLECTION_SHEET,
        subject=f"handover:{handover.pk}",
        fields={"handover": handover, "language": translation.get_language() or "zh-hans"},
        period=(handover.day, handover.day),
        created_by=created_by,
        enqueue=True,
    )


def _request(
    *,
    company: Company,
    kind: str,
    subject: str,
    fields: dict[str, Any],
    period: tuple[date, date],
    created_by: Any,
    enqueue: bool,
) -> Statement:
    if period[0] > period[1]:
        raise LedgerError(_("The period must start before it ends."))
    lookup = {
        "company": company,
        "kind": kind,
        "subject": subject,
        "period_start": period[0],
        "period_end": period[1],
    }
    in_flight = Statement.objects.filter(
        **lookup, status__in=[JobStatus.PENDING, JobStatus.RUNNING]
    ).first()
    if in_flight is not None:
        return in_flight
    try:
        with transaction.atomic():
            statement = Statement.objects.create(
                **lookup,
                **fields,
                message=_("Waiting for the job to start…"),
                created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
            )
    except IntegrityError:
        return Statement.objects.get(**lookup, status__in=[JobStatus.PENDING, JobStatus.RUNNING])
    if enqueue:
        _enqueue("apps.ledger.tasks.statement_render", statement.pk, f"statement-{statement.pk}")
    return statement


def _progress(model: Any, pk: int, percent: int, message: str, **more: Any) -> None:
    model.objects.filter(pk=pk).update(progress=percent, message=message[:200], **more)


def statement_render(*, statement_id: int) -> Statement:
    """Render one statement to PDF (idempotent: a finished snapshot is never rendered again)."""
    statement = Statement.objects.select_related("customer", "handover", "company").get(
        pk=statement_id
    )
    if statement.status == JobStatus.DONE:
        return statement
    with translation.override(statement.language or "zh-hans"):
        _progress(
            Statement, statement.pk, 10, _("Collecting the movements…"), status=JobStatus.RUNNING
        )
        try:
            html = _statement_html(statement)
            _progress(Statement, statement.pk, 50, _("Rendering the PDF…"))
            pdf = html_to_pdf(html)
        except Exception as error:
            _progress(
                Statement,
                statement.pk,
                100,
                _("Failed: %(error)s") % {"error": error},
                status=JobStatus.FAILED,
            )
            raise
        statement.file.save(statement.filename, ContentFile(pdf), save=False)
        Statement.objects.filter(pk=statement.pk).update(
            file=statement.file.name,
            sha256=hashlib.sha256(pdf).hexdigest(),
            status=JobStatus.DONE,
            progress=100,
            message=_("Ready to download."),
            finished_at=timezone.now(),
        )
    statement.refresh_from_db()
    return statement


def _statement_html(statement: Statement) -> str:
    context: dict[str, Any] = {
        "statement": statement,
        "company": statement.company,
        "font": CJK_FONT,
    }
    if statement.kind == StatementKind.COLLECTION_SHEET:
        handover = Handover.objects.select_related("courier__user", "transaction__depot").get(
            pk=int(statement.handover_id or 0)
        )
        context.update(
            handover=handover,
            lines=handover.lines.select_related("account__ticket_type", "account__container_type"),
            discrepancies=handover.discrepancies.select_related("account"),
            deliveries=Posting.objects.filter(
                transaction__courier=handover.courier,
                transaction__occurred_at__date=handover.day,
                transaction__kind="delivery",
                account__courier=handover.courier,
            )
            .select_related(
                "transaction__customer",
                "account__ticket_type",
                "account__container_type",
                "account__product",
            )
            .order_by("transaction_id", "id"),
        )
        return render_to_string("ledger/pdf/collection_sheet.html", context)
    assert statement.customer is not None
    context["data"] = statement_data(
        customer=statement.customer, start=statement.period_start, end=statement.period_end
    )
    return render_to_string("ledger/pdf/statement.html", context)


# --- month-end batch -------------------------------------------------------------------


@transaction.atomic
def batch_request(*, company: Company, month: date, created_by: Any = None) -> StatementBatch:
    """Statements of the month for every monthly-credit customer, zipped, as one job."""
    first, last = month_bounds(month)
    if last >= timezone.localdate():
        raise LedgerError(_("A month can be closed once it is over."))
    running = StatementBatch.objects.filter(
        company=company, month=first, status__in=[JobStatus.PENDING, JobStatus.RUNNING]
    ).first()
    if running is not None:
        return running
    batch = StatementBatch.objects.create(
        company=company, month=first, message=_("Waiting for the job to start…")
    )
    _enqueue("apps.ledger.tasks.batch_render", batch.pk, f"statement-batch-{batch.pk}")
    return batch


def batch_render(*, batch_id: int) -> StatementBatch:
    from apps.ledger.services import credit_month_close

    batch = StatementBatch.objects.select_related("company").get(pk=batch_id)
    if batch.status == JobStatus.DONE:
        return batch
    first, last = month_bounds(batch.month)
    customers = list(selectors.monthly_credit_customers(company=batch.company).order_by("code"))
    _progress(StatementBatch, batch.pk, 1, _("Closing the month…"), status=JobStatus.RUNNING)
    archive = io.BytesIO()
    try:
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for index, customer in enumerate(customers, start=1):
                credit_month_close(company=batch.company, customer=customer, month=first)
                statement = statement_request(
                    company=batch.company,
                    customer=customer,
                    period_start=first,
                    period_end=last,
                    batch=batch,
                    enqueue=False,
                )
                statement = statement_render(statement_id=statement.pk)
                with statement.file.open("rb") as handle:
                    bundle.writestr(f"{customer.code}-{customer.name}.pdf", handle.read())
                _progress(
                    StatementBatch,
                    batch.pk,
                    max(1, 95 * index // len(customers)),
                    _("%(done)s of %(total)s statements rendered")
                    % {"done": index, "total": len(customers)},
                )
    except Exception as error:
        _progress(
            StatementBatch,
            batch.pk,
            100,
            _("Failed: %(error)s") % {"error": error},
            status=JobStatus.FAILED,
        )
        raise
    content = archive.getvalue()
    batch.file.save(f"statements-{first:%Y-%m}-{batch.pk}.zip", ContentFile(content), save=False)
    StatementBatch.objects.filter(pk=batch.pk).update(
        file=batch.file.name,
        sha256=hashlib.sha256(content).hexdigest(),
        status=JobStatus.DONE,
        progress=100,
        message=_("%(count)s statements ready.") % {"count": len(customers)},
    )
    batch.refresh_from_db()
    return batch
