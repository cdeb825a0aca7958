"""A dairy manager sells a 30-delivery card; the customer pauses three days from his phone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.ledger.services import Method
from apps.ledger.verify import ledger_verify
from apps.orders.models import Notification, Order, OrderStatus
from apps.subscriptions.models import Subscription, SubscriptionStatus
from apps.subscriptions.public import self_service_path
from apps.subscriptions.services.daily import daily_run
from tests.subscriptions.conftest import Dairy, tomorrow
from tests.subscriptions.test_generation import card_balance, deliver

pytestmark = pytest.mark.django_db


def test_thirty_deliveries_pause_three_days_and_a_renewal_reminder(
    dairy: Dairy, owner_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    owner_client.post(
        reverse("subscriptions:sell"),
        {
            "customer": dairy.customer.pk,
            "plan": dairy.plan.pk,
            "start_date": tomorrow().isoformat(),
            "quantity": 1,
            "method": Method.WECHAT,
        },
    )
    subscription = Subscription.objects.get()
    away = [tomorrow() + timedelta(days=n) for n in (5, 6, 7)]
    Client().post(
        self_service_path(subscription),
        {"kind": "pause", "day": away[0].isoformat(), "until": away[-1].isoformat()},
    )
    bottles = 0
    for offset in range(40):
        day = tomorrow() + timedelta(days=offset)
        daily_run(day=day, companies=[dairy.company])
        order = Order.objects.filter(external_id=f"{subscription.pk}:{day.isoformat()}").first()
        if order is None:
            continue
        assert day not in away
        with django_capture_on_commit_callbacks(execute=True):
            bottles += sum(line.quantity for line in deliver(dairy, order).lines.all())
    assert bottles == 30
    assert Order.objects.filter(status=OrderStatus.DELIVERED).count() == 30
    last = Order.objects.order_by("-window_start").first()
    assert last is not None
    assert timezone.localdate(last.window_start) == tomorrow() + timedelta(days=32)
    assert card_balance(dairy) == 0
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAUSED
    assert Notification.objects.filter(customer=dairy.customer, event="renewal").count() == 1
    assert ledger_verify(company=dairy.company) == []
