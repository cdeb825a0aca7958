"""Calls announced by the phone system, so the dispatcher's screen can open the caller's card."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.customers.models import Customer
from apps.org.models import CompanyScopedModel


class IncomingCall(CompanyScopedModel):
    phone = models.CharField(_("phone number"), max_length=20)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    seen_at = models.DateTimeField(_("seen"), null=True, blank=True)

    class Meta:
        verbose_name = _("incoming call")
        verbose_name_plural = _("incoming calls")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["company", "-received_at"], name="incoming_call_company_recent")
        ]

    def __str__(self) -> str:
        return self.phone
