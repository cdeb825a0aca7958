"""Rows of a victim company for the tenancy sweep: tickets, SLA rules, import uploads."""

from __future__ import annotations

import itertools
from typing import Any

from apps.customers.models import ImportUpload, SlaRule, TicketPriority, TicketType
from apps.customers.services.customers import customer_create
from apps.customers.services.tickets import ticket_create
from tests.factories import StaffFactory
from tests.tenancy import MARKER

_numbers = itertools.count(1)


def make_customer(company: Any, name: str = "客户") -> Any:
    return customer_create(company=company, name=name, phones=[f"1370000{next(_numbers):04d}"])


def _ticket(company: Any) -> Any:
    return ticket_create(
        company=company,
        customer=make_customer(company, MARKER),
        ticket_type=TicketType.COMPLAINT,
        description=MARKER,
        order_reference=MARKER,
    )


def _sla_rule(company: Any) -> Any:
    return SlaRule.objects.create(
        company=company, ticket_type=TicketType.REPAIR, priority=TicketPriority.LOW, hours=77
    )


def _upload(company: Any) -> Any:
    return ImportUpload.objects.create(
        company=company,
        uploaded_by=StaffFactory(company=company),
        filename=f"{MARKER}.csv",
        content=f"姓名,电话\n{MARKER},13800000000\n".encode(),
    )


OBJECTS = {
    "customers.ticket": _ticket,
    "customers.slarule": _sla_rule,
    "customers.importupload": _upload,
}

URL_OBJECTS = {
    "customers:ticket_detail": "customers.ticket",
    "customers:ticket_assign": "customers.ticket",
    "customers:ticket_start": "customers.ticket",
    "customers:ticket_resolve": "customers.ticket",
    "customers:ticket_close": "customers.ticket",
    "customers:ticket_reopen": "customers.ticket",
    "customers:ticket_note": "customers.ticket",
    "customers:import_preview": "customers.importupload",
}
