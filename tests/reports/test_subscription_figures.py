"""The reports read subscriptions: active ones, renewals due, and who left and why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.reports.period import Period
from apps.reports.selectors.subscriptions import subscription_churn, subscription_figures
from apps.subscriptions.services.selling import subscription_cancel
from tests.subscriptions.conftest import Dairy, make_dairy

pytestmark = pytest.mark.django_db


@pytest.fixture
def dairy(team, working_hours) -> Dairy:  # type: ignore[no-untyped-def]
    return make_dairy(team)


def _today() -> Period:
    day = timezone.localdate()
    return Period(start=day - timedelta(days=1), end=day)


def test_active_subscriptions_and_renewals_due(dairy: Dairy) -> None:
    dairy.sell()
    dairy.sell(quantity=2)
    figures = subscription_figures(company=dairy.company, period=_today())
    assert figures.active == 2
    assert figures.renewals_due == 0  # a fresh 30-delivery card is far from its end


def test_churned_subscribers_come_with_their_reason(dairy: Dairy) -> None:
    dairy.sell()  # stays
    leaving = dairy.sell()
    subscription_cancel(subscription=leaving, reason="搬家了", user=dairy.dispatcher)
    churn = subscription_churn(company=dairy.company, period=_today())
    assert [(c.customer_name, c.reason) for c in churn.churned] == [
        (leaving.customer.name, "搬家了")
    ]
    assert subscription_figures(company=dairy.company, period=_today()).active == 1
