"""How the tenancy sweep makes ledger rows of a victim company (text carries MARKER)."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from apps.ledger import services
from apps.ledger.models import (
    Account,
    AccountKind,
    CreditBill,
    Discrepancy,
    Handover,
    Lot,
    Statement,
    StatementBatch,
    Transaction,
)
from apps.ledger.views import CUSTOMER_ACTIONS
from tests.tenancy import MARKER

_worlds: dict[int, Any] = {}


def _world(company):  # type: ignore[no-untyped-def]
    from apps.org.models import StaffMember
    from tests.conftest import Team
    from tests.ledger.conftest import make_customer, make_world

    if company.pk not in _worlds or not Account.objects.filter(company=company).exists():
        users = {s.role: s.user for s in StaffMember.objects.filter(company=company)}
        world = make_world(Team(company=company, users=users))
        world.customer = make_customer(company, name=MARKER, code=f"M{company.pk}")
        services.wallet_top_up(
            company=company,
            key="sweep-top-up",
            customer=world.customer,
            amount_fen=5000,
            method="cash",
        )
        services.wallet_pay(
            company=company,
            key="sweep-pay",
            customer=world.customer,
            amount_fen=100,
            description=MARKER,
        )
        _worlds[company.pk] = world
    return _worlds[company.pk]


def _transaction(company):  # type: ignore[no-untyped-def]
    _world(company)
    return Transaction.objects.get(company=company, key="sweep-pay")


def _posting(company):  # type: ignore[no-untyped-def]
    return _transaction(company).postings.first()


def _account(company):  # type: ignore[no-untyped-def]
    world = _world(company)
    return Account.objects.get(customer=world.customer, kind=AccountKind.WALLET)


def _lot(company):  # type: ignore[no-untyped-def]
    world = _world(company)
    services.tickets_sell(
        company=company,
        key="sweep-tickets",
        customer=world.customer,
        package=world.package,
        method="cash",
    )
    return Lot.objects.filter(company=company).first()


def _bill(company):  # type: ignore[no-untyped-def]
    world = _world(company)
    return CreditBill.objects.create(
        company=company,
        customer=world.customer,
        month="2026-01-01",
        amount_fen=100,
        due_on="2026-03-01",
    )


def _handover(company):  # type: ignore[no-untyped-def]
    world = _world(company)
    existing = Handover.objects.filter(company=company).first()
    if existing:
        return existing
    services.wallet_top_up(
        company=company,
        key="sweep-cash",
        customer=world.customer,
        amount_fen=1000,
        method="cash",
        courier=world.courier,
    )
    cash = Account.objects.get(courier=world.courier, kind=AccountKind.COURIER_CASH)
    return services.handover_record(
        company=company,
        courier=world.courier,
        day=timezone.localdate(),
        depot=world.depot,
        counted={cash.pk: 900},
        declared={cash.pk: 1000},
        note=MARKER,
    )


def _discrepancy(company):  # type: ignore[no-untyped-def]
    return Discrepancy.objects.get(handover=_handover(company))


def _statement(company):  # type: ignore[no-untyped-def]
    world = _world(company)
    statement = Statement.objects.create(
        company=company,
        customer=world.customer,
        subject=f"customer:{world.customer.pk}",
        period_start="2026-01-01",
        period_end="2026-01-31",
        status="done",
        message=MARKER,
    )
    statement.file.save("sweep.pdf", ContentFile(MARKER.encode()), save=True)
    return statement


def _batch(company):  # type: ignore[no-untyped-def]
    batch = StatementBatch.objects.create(
        company=company, month="2026-01-01", status="done", message=MARKER
    )
    batch.file.save("sweep.zip", ContentFile(MARKER.encode()), save=True)
    return batch


OBJECTS = {
    "ledger.transaction": _transaction,
    "ledger.posting": _posting,
    "ledger.account": _account,
    "ledger.lot": _lot,
    "ledger.creditbill": _bill,
    "ledger.handover": _handover,
    "ledger.discrepancy": _discrepancy,
    "ledger.statement": _statement,
    "ledger.statementbatch": _batch,
}

URL_OBJECTS = {
    "ledger:customer": "customers.customer",
    "ledger:credit_close": "customers.customer",
    "ledger:statement_new": "customers.customer",
    "ledger:transaction": "ledger.transaction",
    "ledger:transaction_reverse": "ledger.transaction",
    "ledger:handover": "ledger.handover",
    "ledger:collection_sheet": "ledger.handover",
    "ledger:discrepancy_resolve": "ledger.discrepancy",
    "ledger:statement": "ledger.statement",
    "ledger:statement_download": "ledger.statement",
    "ledger:batch": "ledger.statementbatch",
    "ledger:batch_download": "ledger.statementbatch",
    **{f"ledger:customer_{action.name}": "customers.customer" for action in CUSTOMER_ACTIONS},
}
