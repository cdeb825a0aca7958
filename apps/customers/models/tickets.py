"""Service tickets (complaints, enquiries, repairs) with an SLA, and import uploads.

A ticket moves open → in progress → resolved / closed (closed also straight from
open; a resolved ticket may be reopened). Every change writes a ``TicketEvent``
in the same transaction, so the timeline is the audit log. The deadline
(``due_at``) comes from the company's ``SlaRule`` for the ticket's type and
priority, or from :data:`DEFAULT_SLA_HOURS` when the company has none. A
scheduled job marks overdue tickets ``escalated_at`` once and tells the owners.

Orders do not exist yet: ``order_reference`` is free text; a foreign key to the
order replaces it when the orders app lands.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.customers.models.customers import Customer
from apps.org.models import CompanyScopedModel, StaffMember


class TicketType(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    ENQUIRY = "enquiry", _("Enquiry")
    REPAIR = "repair", _("Repair")
    OTHER = "other", _("Other")


class TicketPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


ACTIVE_STATUSES = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS)

# Hours to resolve when the company has no rule of its own.
DEFAULT_SLA_HOURS: dict[tuple[str, str], int] = {
    (TicketType.COMPLAINT, TicketPriority.URGENT): 2,
    (TicketType.COMPLAINT, TicketPriority.HIGH): 8,
    (TicketType.COMPLAINT, TicketPriority.NORMAL): 24,
    (TicketType.COMPLAINT, TicketPriority.LOW): 72,
    (TicketType.REPAIR, TicketPriority.URGENT): 4,
    (TicketType.REPAIR, TicketPriority.HIGH): 12,
    (TicketType.REPAIR, TicketPriority.NORMAL): 48,
    (TicketType.REPAIR, TicketPriority.LOW): 96,
    (TicketType.ENQUIRY, TicketPriority.URGENT): 2,
    (TicketType.ENQUIRY, TicketPriority.HIGH): 8,
    (TicketType.ENQUIRY, TicketPriority.NORMAL): 24,
    (TicketType.ENQUIRY, TicketPriority.LOW): 72,
    (TicketType.OTHER, TicketPriority.URGENT): 8,
    (TicketType.OTHER, TicketPriority.HIGH): 24,
    (TicketType.OTHER, TicketPriority.NORMAL): 48,
    (TicketType.OTHER, TicketPriority.LOW): 120,
}


class SlaRule(CompanyScopedModel):
    ticket_type = models.CharField(_("request type"), max_length=20, choices=TicketType.choices)
    priority = models.CharField(_("priority"), max_length=10, choices=TicketPriority.choices)
    hours = models.PositiveIntegerField(
        _("hours to resolve"), validators=[MinValueValidator(1), MaxValueValidator(24 * 90)]
    )

    class Meta:
        verbose_name = _("SLA rule")
        verbose_name_plural = _("SLA rules")
        ordering = ["ticket_type", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "ticket_type", "priority"],
                name="sla_rule_unique",
                violation_error_message=_("There is already a rule for this type and priority."),
            ),
            models.CheckConstraint(condition=Q(hours__gte=1), name="sla_rule_positive_hours"),
        ]

    def __str__(self) -> str:
        return f"{self.get_ticket_type_display()} · {self.get_priority_display()}: {self.hours} h"


class Ticket(CompanyScopedModel):
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("customer")
    )
    ticket_type = models.CharField(_("request type"), max_length=20, choices=TicketType.choices)
    priority = models.CharField(
        _("priority"),
        max_length=10,
        choices=TicketPriority.choices,
        default=TicketPriority.NORMAL,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    description = models.TextField(_("description"))
    # Becomes a foreign key to the order once the orders app exists.
    order_reference = models.CharField(_("order reference"), max_length=40, blank=True)
    assignee = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    created_by = models.ForeignKey(
        StaffMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    due_at = models.DateTimeField(_("due"))
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        verbose_name = _("service ticket")
        verbose_name_plural = _("service tickets")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["company", "status", "due_at"], name="ticket_status_due_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_ticket_type_display()} · {self.customer.name}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class TicketEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    ASSIGNED = "assigned", _("Assigned")
    STATUS = "status", _("Status changed")
    NOTE = "note", _("Note")
    ESCALATED = "escalated", _("Escalated")


class TicketEvent(CompanyScopedModel):
    """One line of a ticket's timeline; written only by the ticket services."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("ticket")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TicketEventKind.choices)
    actor = models.ForeignKey(
        StaffMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty when the system did it."),
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=TicketStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=TicketStatus.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.ticket_id}"  # type: ignore[attr-defined]


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    ORDERS = "orders", _("Orders")


class ImportUpload(CompanyScopedModel):
    """An uploaded customer (or order) file, kept between the preview and the confirmed import.

    The bytes live in the database row, scoped to the company and the person who
    uploaded it, so the confirm step never trusts a file name or path from the client.
    ``kind`` keeps each importer to its own files.
    """

    kind = models.CharField(
        _("kind"), max_length=20, choices=ImportKind.choices, default=ImportKind.CUSTOMERS
    )
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="+", verbose_name=_("uploaded by")
    )
    filename = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(_("content"))
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename
