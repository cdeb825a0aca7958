"""Company A's plans and subscriptions for the tenancy sweep.

The customer's page takes a signed token; a subscription id is no token, so it is a 404.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from apps.orders.models import Order
from apps.subscriptions.models import (
    CalendarChange,
    GenerationRun,
    Plan,
    PlanItem,
    Subscription,
    SubscriptionSettings,
)
from tests.factories import ProductFactory
from tests.orders.fillers import make_order
from tests.tenancy import MARKER


def _plan(company: Any) -> Plan:
    plan = Plan.objects.filter(company=company, name=f"{MARKER}计划").first()
    if plan is None:
        plan = Plan.objects.create(
            company=company, name=f"{MARKER}计划", slot="morning", term="monthly", price_fen=500
        )
        PlanItem.objects.create(
            plan=plan, product=ProductFactory(company=company, name=f"{MARKER}奶")
        )
    return plan


def _subscription(company: Any) -> Subscription:
    existing = Subscription.objects.filter(company=company).first()
    if existing is not None:
        return existing
    order = Order.objects.filter(company=company).first() or make_order(company)
    return Subscription.objects.create(
        company=company,
        customer=order.customer,
        address=order.address,
        plan=_plan(company),
        start_date=timezone.localdate(),
    )


def _change(company: Any) -> CalendarChange:
    return CalendarChange.objects.create(
        company=company,
        subscription=_subscription(company),
        kind="skip",
        day=timezone.localdate(),
        channel="back_office",
        note=MARKER,
    )


OBJECTS = {
    "subscriptions.plan": _plan,
    "subscriptions.subscription": _subscription,
    "subscriptions.calendarchange": _change,
    "subscriptions.generationrun": lambda company: GenerationRun.objects.get_or_create(
        company=company, day=timezone.localdate()
    )[0],
    "subscriptions.subscriptionsettings": lambda company: (
        SubscriptionSettings.objects.get_or_create(company=company)[0]
    ),
}

URL_OBJECTS = {
    "subscriptions:detail": "subscriptions.subscription",
    "subscriptions:plan_edit": "subscriptions.plan",
    "subscriptions:renew": "subscriptions.subscription",
    "subscriptions:cancel": "subscriptions.subscription",
    "subscriptions:send_link": "subscriptions.subscription",
    "subscriptions:self_service": {"token": "subscriptions.subscription"},
}
