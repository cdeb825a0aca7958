"""django-q2 entry points of the subscriptions app: thin, idempotent."""

from __future__ import annotations

from datetime import timedelta


def deliveries_generate_tomorrow() -> str:
    """Scheduled daily in the evening (migration 0002): tomorrow's orders and renewal reminders."""
    from django.utils import timezone

    from apps.subscriptions.services.daily import daily_run

    tomorrow = timezone.localdate() + timedelta(days=1)
    return daily_run(day=tomorrow)
