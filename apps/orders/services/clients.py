"""API clients: tokens shown once and stored as a hash, revocation, the webhook secret and mapping."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.orders.models import ApiClient, OrderChannel
from apps.orders.platforms import mapping_problems
from apps.org.models import Company

TOKEN_PREFIX = "sd_"
SHOWN_PREFIX_LENGTH = 10
# Channels an API client may bring orders from; the others are the back office's own.
CLIENT_CHANNELS = (
    OrderChannel.API,
    OrderChannel.MINI_PROGRAM,
    OrderChannel.WECHAT,
    OrderChannel.MEITUAN,
    OrderChannel.ELEME,
)
# Recording every use would write a row per request; once a minute says enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


@transaction.atomic
def api_client_create(*, company: Company, name: str, channel: str) -> tuple[ApiClient, str]:
    """A new client and its token; the token is returned once and never stored in clear."""
    if channel not in CLIENT_CHANNELS:
        raise ValidationError({"channel": _("Choose a channel for this client's orders.")})
    token = new_token()
    client = ApiClient(
        company=company,
        name=name.strip(),
        channel=channel,
        token_prefix=token[:SHOWN_PREFIX_LENGTH],
        token_hash=token_hash(token),
        webhook_secret=new_webhook_secret(),
    )
    client.full_clean()
    client.save()
    return client, token


@transaction.atomic
def api_client_revoke(*, client: ApiClient) -> ApiClient:
    """The token stops working at once; revoking twice keeps the first moment."""
    locked = ApiClient.objects.select_for_update().get(pk=client.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.is_active = False
        locked.save(update_fields=["revoked_at", "is_active"])
    return locked


@transaction.atomic
def api_client_rotate_secret(*, client: ApiClient) -> ApiClient:
    """A new webhook signing secret; requests signed with the old one are refused from now on."""
    locked = ApiClient.objects.select_for_update().get(pk=client.pk)
    locked.webhook_secret = new_webhook_secret()
    locked.save(update_fields=["webhook_secret"])
    return locked


@transaction.atomic
def api_client_update_mapping(*, client: ApiClient, field_mapping: Any) -> ApiClient:
    """Where the platform's JSON keeps each order field; an empty mapping turns the webhook off."""
    if not isinstance(field_mapping, dict):
        raise ValidationError({"field_mapping": _("The mapping must be a JSON object.")})
    mapping = {
        str(k).strip(): v.strip() if isinstance(v, str) else v for k, v in field_mapping.items()
    }
    problems = mapping_problems(mapping) if mapping else {}
    if problems:
        raise ValidationError(
            {"field_mapping": [f"{field}: {message}" for field, message in problems.items()]}
        )
    locked = ApiClient.objects.select_for_update().get(pk=client.pk)
    locked.field_mapping = mapping
    locked.save(update_fields=["field_mapping"])
    return locked


def api_client_touch(*, client: ApiClient) -> None:
    """Note that the client was just used (at most once a minute per client)."""
    now = timezone.now()
    if client.last_used_at is not None and now - client.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
    client.last_used_at = now
