"""A prepaid date range ends by itself once its last delivery (postponed ones included) is past."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from apps.org.models import Company
from apps.subscriptions.models import Subscription, SubscriptionStatus, TermKind
from apps.subscriptions.schedule import Planned, plan_days
from apps.subscriptions.selectors import changes_of, term_of

# Deliveries postponed past the end of a range land within this many days of it.
POSTPONED_WITHIN_DAYS = 62


def _left_from(subscription: Subscription, today: date) -> list[Planned]:
    """Deliveries of the range on or after ``today``; counted from its start, as postponements are."""
    assert subscription.end_date is not None
    days = plan_days(
        subscription.rule(),
        changes_of(subscription),
        start=subscription.start_date,
        until=subscription.end_date + timedelta(days=POSTPONED_WITHIN_DAYS),
        term=term_of(subscription),
    )
    return [planned for planned in days if planned.day >= today]


@transaction.atomic
def ranges_end(*, company: Company, today: date) -> int:
    """End the company's prepaid subscriptions with nothing left to deliver from ``today`` on."""
    finished = [
        subscription.pk
        for subscription in Subscription.objects.filter(
            company=company,
            plan__term=TermKind.PREPAID,
            status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.PAUSED],
            end_date__lt=today,
        ).select_related("plan")
        if not _left_from(subscription, today)
    ]
    return Subscription.objects.filter(pk__in=finished).update(
        status=SubscriptionStatus.ENDED, ended_at=timezone.now(), pause_reason=""
    )
