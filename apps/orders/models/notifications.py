"""The notifications outbox and the templates the owner edits.

Every message is a row written in the same transaction as the event that
caused it, then sent by a job with retries; nothing is sent from inside a
request. ``key`` makes enqueueing idempotent (one message per order event and
channel). Non-urgent messages that fall into the company's quiet hours wait
(``send_after``) until the quiet hours end.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.customers.models import Customer
from apps.orders.models.orders import Order
from apps.org.models import CompanyScopedModel


class NotificationEvent(models.TextChoices):
    RECEIVED = "received", _("Order received")
    ASSIGNED = "assigned", _("Courier assigned")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Delivery failed")
    CANCELLED = "cancelled", _("Cancelled")


class CustomerMessageEvent(models.TextChoices):
    """Messages about a customer's standing arrangement rather than one order."""

    RENEWAL = "renewal", _("Renewal reminder")
    LOW_BALANCE = "low_balance", _("Balance too low")
    MAKE_UP = "make_up", _("Make-up delivery")
    CREDITED = "credited", _("Delivery credited back")
    CALENDAR_LINK = "calendar_link", _("Link to the delivery calendar")


MESSAGE_EVENTS = [*NotificationEvent.choices, *CustomerMessageEvent.choices]


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")


class NotificationTemplate(CompanyScopedModel):
    event = models.CharField(_("event"), max_length=20, choices=NotificationEvent.choices)
    language = models.CharField(
        _("language"), max_length=10, choices=[("zh-hans", "简体中文"), ("en", "English")]
    )
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["event", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "event", "language"],
                name="notification_template_unique",
                violation_error_message=_("This message already has a text in this language."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} ({self.language})"


class Notification(CompanyScopedModel):
    key = models.CharField(max_length=120, editable=False)
    order = models.ForeignKey(
        Order,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("order"),
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    recipient = models.CharField(_("recipient"), max_length=100)
    channel = models.CharField(_("channel"), max_length=20)
    event = models.CharField(_("event"), max_length=20, choices=MESSAGE_EVENTS)
    language = models.CharField(_("language"), max_length=10)
    text = models.TextField(_("text"))
    urgent = models.BooleanField(_("urgent"), default=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    send_after = models.DateTimeField(_("send after"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "send_after"], name="notification_due")]
        constraints = [
            models.UniqueConstraint(fields=["company", "key"], name="notification_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.recipient}"
