"""Reads of incoming calls for the dispatcher's screen."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Prefetch
from django.utils import timezone

from apps.customers.models import Address
from apps.orders.models import IncomingCall
from apps.org.models import Company

SHOWN_FOR = timedelta(minutes=10)
SHOWN_AT_MOST = 5


def calls_recent(*, company: Company, since: datetime | None = None) -> list[IncomingCall]:
    """Calls not dealt with yet, newest first, with the caller's card (name, phones, addresses)."""
    since = since or timezone.now() - SHOWN_FOR
    calls = (
        IncomingCall.objects.filter(company=company, received_at__gte=since, seen_at__isnull=True)
        .select_related("customer")
        .prefetch_related(
            "customer__phones",
            Prefetch("customer__addresses", queryset=Address.objects.select_related("depot")),
        )
        .order_by("-received_at", "-pk")
    )
    return list(calls[:SHOWN_AT_MOST])
