"""Subscription figures for the reports, read from the subscriptions app.

Units that subscriptions deliver count in demand once their orders are generated
(the evening before the delivery day), like any booked order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import formats

from apps.org.models import Company
from apps.reports.period import Period
from apps.subscriptions import selectors as subscriptions


@dataclass(frozen=True)
class SubscriptionFigures:
    active: int = 0
    renewals_due: int = 0


@dataclass(frozen=True)
class ChurnedSubscriber:
    customer_name: str
    ended_on: str
    reason: str


@dataclass(frozen=True)
class SubscriptionChurn:
    churned: list[ChurnedSubscriber] = field(default_factory=list)


def subscription_figures(*, company: Company, period: Period) -> SubscriptionFigures:
    """Active subscriptions now, and those to renew soon (the company's reminder horizon)."""
    horizon = subscriptions.subscription_settings_for(company).remind_days_left
    return SubscriptionFigures(
        active=subscriptions.active_count(company),
        renewals_due=len(subscriptions.ending_soon(company, within_days=horizon)),
    )


def subscription_churn(*, company: Company, period: Period) -> SubscriptionChurn:
    """Subscriptions cancelled or ended in the period, with the reason the customer gave."""
    return SubscriptionChurn(
        churned=[
            ChurnedSubscriber(
                customer_name=ended.customer_name,
                ended_on=formats.date_format(ended.ended_on, "SHORT_DATE_FORMAT"),
                reason=ended.reason,
            )
            for ended in subscriptions.ended_between(company, period.since, period.until)
        ]
    )
