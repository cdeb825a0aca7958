"""API clients (a mini-program, a platform adapter, an ERP) and their idempotency records.

A client authenticates with a bearer token; only a SHA-256 hash of the token
is stored, so a token is shown once when created and can be revoked. A
platform webhook is signed with the client's ``webhook_secret`` (HMAC-SHA256)
and mapped to an order through the client's ``field_mapping``.

An ``IdempotencyRecord`` holds the response to a write made with an
``Idempotency-Key``: a retry gets the stored bytes back; the same key with a
different body is refused.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.org.models import CompanyScopedModel


class ApiClient(CompanyScopedModel):
    name = models.CharField(_("name"), max_length=100)
    channel = models.CharField(_("channel of its orders"), max_length=20, default="api")
    token_prefix = models.CharField(_("token starts with"), max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    webhook_secret = models.CharField(_("webhook signing secret"), max_length=64, blank=True)
    field_mapping = models.JSONField(
        _("field mapping"),
        default=dict,
        blank=True,
        help_text=_("Where each order field is found in the platform's JSON (dotted paths)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="api_client_unique_name",
                violation_error_message=_("An API client with this name already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class IdempotencyRecord(CompanyScopedModel):
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return self.key
