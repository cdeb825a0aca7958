"""Writes on service tickets: one function per action, each writes its event row.

Every action locks the ticket row, checks the transition against
:data:`TRANSITIONS`, changes the ticket and appends a ``TicketEvent`` in the same
transaction. An illegal transition raises :class:`IllegalTransition` (a
``ValidationError`` with a translated message) and changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.customers.models import (
    ACTIVE_STATUSES,
    DEFAULT_SLA_HOURS,
    Customer,
    SlaRule,
    Ticket,
    TicketEvent,
    TicketEventKind,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from apps.org.models import Company, Role, StaffMember
from apps.org.services import notice_send

TRANSITIONS: dict[str, frozenset[str]] = {
    TicketStatus.OPEN: frozenset({TicketStatus.IN_PROGRESS, TicketStatus.CLOSED}),
    TicketStatus.IN_PROGRESS: frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED}),
    TicketStatus.RESOLVED: frozenset({TicketStatus.CLOSED, TicketStatus.OPEN}),
    TicketStatus.CLOSED: frozenset(),
}


class IllegalTransition(ValidationError):
    def __init__(self, ticket: Ticket, to_status: str) -> None:
        super().__init__(
            _("A ticket that is “%(current)s” cannot become “%(target)s”.")
            % {
                "current": TicketStatus(ticket.status).label,
                "target": TicketStatus(to_status).label,
            },
            code="illegal_transition",
        )


def sla_hours(*, company: Company, ticket_type: str, priority: str) -> int:
    rule = SlaRule.objects.filter(
        company=company, ticket_type=ticket_type, priority=priority
    ).first()
    if rule is not None:
        return rule.hours
    return DEFAULT_SLA_HOURS[(ticket_type, priority)]


def sla_deadline(
    *, company: Company, ticket_type: str, priority: str, start: datetime | None = None
) -> datetime:
    hours = sla_hours(company=company, ticket_type=ticket_type, priority=priority)
    return (start or timezone.now()) + timedelta(hours=hours)


def _check_staff(company: Company, staff: StaffMember | None) -> None:
    if staff is not None and (staff.company_id != company.pk or not staff.is_active):
        raise ValidationError({"assignee": _("Choose an active member of this company's staff.")})


def _event(
    ticket: Ticket,
    *,
    kind: str,
    actor: StaffMember | None,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
) -> TicketEvent:
    return TicketEvent.objects.create(
        company_id=ticket.company_id,
        ticket=ticket,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


@transaction.atomic
def ticket_create(
    *,
    company: Company,
    customer: Customer,
    ticket_type: str,
    description: str,
    priority: str = TicketPriority.NORMAL,
    order_reference: str = "",
    assignee: StaffMember | None = None,
    actor: StaffMember | None = None,
) -> Ticket:
    if customer.company_id != company.pk:
        raise ValidationError({"customer": _("This belongs to another company.")})
    if ticket_type not in TicketType.values or priority not in TicketPriority.values:
        raise ValidationError(_("Choose a valid ticket type and priority."))
    if not description.strip():
        raise ValidationError({"description": _("Describe the problem or the question.")})
    _check_staff(company, assignee)
    ticket = Ticket(
        company=company,
        customer=customer,
        ticket_type=ticket_type,
        priority=priority,
        description=description.strip(),
        order_reference=order_reference.strip(),
        assignee=assignee,
        created_by=actor,
        due_at=sla_deadline(company=company, ticket_type=ticket_type, priority=priority),
    )
    ticket.full_clean()
    ticket.save()
    _event(ticket, kind=TicketEventKind.CREATED, actor=actor, to_status=TicketStatus.OPEN)
    if assignee is not None:
        _event(ticket, kind=TicketEventKind.ASSIGNED, actor=actor, note=assignee.user.display_name)
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee: StaffMember, actor: StaffMember | None) -> Ticket:
    ticket = _locked(ticket)
    if ticket.status not in ACTIVE_STATUSES:
        raise ValidationError(_("Only open or in-progress tickets can be assigned."))
    _check_staff(ticket.company, assignee)
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee"])
    _event(ticket, kind=TicketEventKind.ASSIGNED, actor=actor, note=assignee.user.display_name)
    return ticket


def _move(ticket: Ticket, to_status: str, *, actor: StaffMember | None, note: str = "") -> Ticket:
    if to_status not in TRANSITIONS[ticket.status]:
        raise IllegalTransition(ticket, to_status)
    from_status = ticket.status
    ticket.status = to_status
    _event(
        ticket,
        kind=TicketEventKind.STATUS,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )
    return ticket


@transaction.atomic
def ticket_start(*, ticket: Ticket, actor: StaffMember | None) -> Ticket:
    """Someone takes the ticket on; if nobody was assigned, it is theirs."""
    ticket = _move(_locked(ticket), TicketStatus.IN_PROGRESS, actor=actor)
    if ticket.assignee_id is None and actor is not None:
        ticket.assignee = actor
        _event(ticket, kind=TicketEventKind.ASSIGNED, actor=actor, note=actor.user.display_name)
    ticket.save(update_fields=["status", "assignee"])
    return ticket


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, resolution: str, actor: StaffMember | None) -> Ticket:
    if not resolution.strip():
        raise ValidationError({"resolution": _("Say how the ticket was resolved.")})
    ticket = _move(_locked(ticket), TicketStatus.RESOLVED, actor=actor, note=resolution.strip())
    ticket.resolution = resolution.strip()
    ticket.resolved_at = timezone.now()
    ticket.save(update_fields=["status", "resolution", "resolved_at"])
    return ticket


@transaction.atomic
def ticket_close(*, ticket: Ticket, actor: StaffMember | None, note: str = "") -> Ticket:
    ticket = _move(_locked(ticket), TicketStatus.CLOSED, actor=actor, note=note.strip())
    ticket.closed_at = timezone.now()
    ticket.save(update_fields=["status", "closed_at"])
    return ticket


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, actor: StaffMember | None, note: str = "") -> Ticket:
    """A resolved ticket that was not resolved after all: open again, with a fresh deadline."""
    ticket = _move(_locked(ticket), TicketStatus.OPEN, actor=actor, note=note.strip())
    ticket.resolved_at = None
    ticket.due_at = sla_deadline(
        company=ticket.company, ticket_type=ticket.ticket_type, priority=ticket.priority
    )
    ticket.save(update_fields=["status", "resolved_at", "due_at"])
    return ticket


@transaction.atomic
def ticket_add_note(*, ticket: Ticket, note: str, actor: StaffMember | None) -> TicketEvent:
    if not note.strip():
        raise ValidationError({"note": _("Write a note.")})
    ticket = _locked(ticket)
    return _event(ticket, kind=TicketEventKind.NOTE, actor=actor, note=note.strip())


def escalation_key(ticket: Ticket) -> str:
    return f"ticket-escalated-{ticket.pk}"


@transaction.atomic
def ticket_escalate(*, ticket: Ticket, now: datetime | None = None) -> bool:
    """Mark one overdue ticket escalated and tell the owners; a second call does nothing."""
    now = now or timezone.now()
    ticket = (
        Ticket.objects.select_for_update().select_related("company", "customer").get(pk=ticket.pk)
    )
    if (
        ticket.escalated_at is not None
        or ticket.status not in ACTIVE_STATUSES
        or ticket.due_at >= now
    ):
        return False
    ticket.escalated_at = now
    ticket.save(update_fields=["escalated_at"])
    _event(ticket, kind=TicketEventKind.ESCALATED, actor=None, note=_("Past its deadline."))
    with translation.override("zh-hans"):
        text = _("Overdue ticket #%(number)s (%(type)s, %(priority)s) for %(customer)s.") % {
            "number": ticket.pk,
            "type": ticket.get_ticket_type_display(),
            "priority": ticket.get_priority_display(),
            "customer": ticket.customer.name,
        }
    notice_send(
        company=ticket.company,
        roles=[Role.OWNER],
        text=text[:300],
        link=reverse("customers:ticket_detail", kwargs={"pk": ticket.pk}),
        key=escalation_key(ticket),
    )
    return True


def tickets_escalate_overdue(*, now: datetime | None = None) -> int:
    """Escalate every overdue ticket of every company, each in its own transaction."""
    now = now or timezone.now()
    overdue = Ticket.objects.filter(
        status__in=ACTIVE_STATUSES, escalated_at__isnull=True, due_at__lt=now
    ).order_by("due_at")
    return sum(ticket_escalate(ticket=ticket, now=now) for ticket in overdue.only("pk"))


@transaction.atomic
def sla_rules_set(*, company: Company, hours: dict[tuple[str, str], int]) -> None:
    """Store the company's SLA table; a value equal to the default needs no row."""
    for (ticket_type, priority), value in hours.items():
        if value < 1:
            raise ValidationError(_("An SLA is at least one hour."))
        if value == DEFAULT_SLA_HOURS[(ticket_type, priority)]:
            SlaRule.objects.filter(
                company=company, ticket_type=ticket_type, priority=priority
            ).delete()
            continue
        SlaRule.objects.update_or_create(
            company=company, ticket_type=ticket_type, priority=priority, defaults={"hours": value}
        )
