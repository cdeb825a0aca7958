"""Reads of service tickets for the ticket pages and the customer page."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from apps.customers.models import (
    ACTIVE_STATUSES,
    DEFAULT_SLA_HOURS,
    Customer,
    SlaRule,
    Ticket,
    TicketEvent,
    TicketPriority,
    TicketType,
)
from apps.org.models import Company


def ticket_queryset(*, company: Company) -> QuerySet[Ticket]:
    return Ticket.objects.filter(company=company).select_related(
        "customer", "assignee__user", "created_by__user"
    )


def ticket_list(
    *,
    company: Company,
    status: str = "",
    ticket_type: str = "",
    priority: str = "",
    assignee_id: int | None = None,
    customer_id: int | None = None,
    overdue: bool = False,
) -> QuerySet[Ticket]:
    tickets = ticket_queryset(company=company)
    if status:
        tickets = tickets.filter(status=status)
    if ticket_type:
        tickets = tickets.filter(ticket_type=ticket_type)
    if priority:
        tickets = tickets.filter(priority=priority)
    if assignee_id:
        tickets = tickets.filter(assignee_id=assignee_id)
    if customer_id:
        tickets = tickets.filter(customer_id=customer_id)
    if overdue:
        tickets = tickets.filter(status__in=ACTIVE_STATUSES, due_at__lt=timezone.now()).order_by(
            "due_at"
        )
    return tickets


def tickets_overdue(*, company: Company) -> QuerySet[Ticket]:
    return ticket_list(company=company, overdue=True)


def ticket_events(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.select_related("actor__user").order_by("created_at", "id")


def tickets_for_customer(*, customer: Customer, limit: int = 20) -> list[Ticket]:
    """A customer's latest tickets, open ones first, for the customer page."""
    tickets = (
        Ticket.objects.filter(company_id=customer.company_id, customer=customer)
        .select_related("assignee__user")
        .order_by("-created_at")[:limit]
    )
    return sorted(tickets, key=lambda t: not t.is_active)


@dataclass(frozen=True)
class SlaCell:
    ticket_type: str
    priority: str
    hours: int
    is_default: bool

    @property
    def field_name(self) -> str:
        return f"{self.ticket_type}__{self.priority}"


def sla_table(*, company: Company) -> list[tuple[str, list[SlaCell]]]:
    """The effective hours for every type and priority: the company's rule or the default."""
    rules = {
        (rule.ticket_type, rule.priority): rule.hours
        for rule in SlaRule.objects.filter(company=company)
    }
    table = []
    for ticket_type in TicketType:
        cells = []
        for priority in TicketPriority:
            key = (ticket_type.value, priority.value)
            cells.append(
                SlaCell(
                    ticket_type.value,
                    priority.value,
                    rules.get(key, DEFAULT_SLA_HOURS[key]),
                    key not in rules,
                )
            )
        table.append((str(ticket_type.label), cells))
    return table
