from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.ledger.services import Method
from apps.org.models import Role
from apps.subscriptions.models import CalendarChange, ChangeChannel, Subscription
from apps.subscriptions.public import SALT, self_service_path
from tests.conftest import Team
from tests.subscriptions.conftest import Dairy, make_dairy, tomorrow

pytestmark = pytest.mark.django_db


def test_the_list_shows_the_company_subscriptions(dairy: Dairy, owner_client: Client) -> None:
    subscription = dairy.sell()
    page = owner_client.get(reverse("subscriptions:index"))
    assert subscription.number in page.content.decode()


def test_another_company_subscription_is_a_404(dairy: Dairy, other_team: Team) -> None:
    subscription = dairy.sell()
    client = other_team.client_for(Role.OWNER)
    assert client.get(reverse("subscriptions:detail", args=[subscription.pk])).status_code == 404


def test_a_courier_cannot_open_subscriptions(dairy: Dairy, team: Team) -> None:
    assert team.client_for(Role.COURIER).get(reverse("subscriptions:index")).status_code == 403


def test_the_dispatcher_skips_a_day_from_the_calendar(dairy: Dairy, team: Team) -> None:
    subscription = dairy.sell()
    client = team.client_for(Role.DISPATCHER)
    response = client.post(
        reverse("subscriptions:detail", args=[subscription.pk]),
        {"kind": "skip", "day": tomorrow().isoformat()},
    )
    assert response.status_code == 302
    change = CalendarChange.objects.get()
    assert (change.kind, change.channel, change.actor) == (
        "skip",
        ChangeChannel.BACK_OFFICE,
        team.users[Role.DISPATCHER],
    )
    page = client.get(
        reverse("subscriptions:detail", args=[subscription.pk]) + f"?month={tomorrow():%Y-%m}"
    )
    assert f'data-day="{tomorrow().isoformat()}"' in page.content.decode()


def test_a_change_after_the_cutoff_is_refused_with_a_message(
    dairy: Dairy, owner_client: Client
) -> None:
    subscription = dairy.sell()
    today = tomorrow() - timedelta(days=1)
    response = owner_client.post(
        reverse("subscriptions:detail", args=[subscription.pk]),
        {"kind": "skip", "day": today.isoformat()},
        follow=True,
    )
    assert "已不能修改" in response.content.decode()
    assert not CalendarChange.objects.exists()


def test_selling_from_the_page_posts_the_card(dairy: Dairy, owner_client: Client) -> None:
    response = owner_client.post(
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
    assert response.status_code == 302
    assert response["Location"] == reverse("subscriptions:detail", args=[subscription.pk])


def test_the_customer_link_opens_without_login_and_changes_only_its_subscription(
    dairy: Dairy,
) -> None:
    subscription = dairy.sell()
    path = self_service_path(subscription)
    client = Client()
    assert client.get(path).status_code == 200
    client.post(
        path,
        {
            "kind": "pause",
            "day": tomorrow().isoformat(),
            "until": (tomorrow() + timedelta(days=2)).isoformat(),
        },
    )
    change = CalendarChange.objects.get()
    assert (change.subscription, change.channel, change.actor) == (
        subscription,
        ChangeChannel.SELF_SERVICE,
        None,
    )


def test_a_forged_or_swapped_link_opens_nothing(dairy: Dairy, other_team: Team) -> None:
    subscription = dairy.sell()
    other = make_dairy(other_team).sell()
    forged = signing.dumps({"s": other.pk, "c": subscription.customer_id}, salt=SALT)
    unsigned = self_service_path(subscription)[:-3] + "xx/"
    client = Client()
    assert client.get(reverse("subscriptions:self_service", args=[forged])).status_code == 404
    assert client.get(unsigned).status_code == 404


def test_the_customer_link_expires(dairy: Dairy) -> None:
    subscription = dairy.sell()
    path = self_service_path(subscription)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert Client().get(path).status_code == 404


def test_the_retention_and_plan_pages_list_what_they_should(
    dairy: Dairy, owner_client: Client
) -> None:
    from apps.ledger.services import tickets_redeem

    subscription = dairy.sell()
    assert dairy.plan.name in owner_client.get(reverse("subscriptions:plan_list")).content.decode()
    assert (
        subscription.number
        not in owner_client.get(reverse("subscriptions:retention")).content.decode()
    )
    tickets_redeem(
        company=dairy.company,
        key="used",
        customer=dairy.customer,
        ticket_type=dairy.card.ticket_type,
        quantity=29,
    )
    page = owner_client.get(reverse("subscriptions:retention")).content.decode()
    assert subscription.number in page


def test_cancelling_needs_a_reason_and_cancels_generated_orders(
    dairy: Dairy, owner_client: Client
) -> None:
    from apps.orders.models import Order, OrderStatus
    from apps.subscriptions.services.generation import deliveries_generate

    subscription = dairy.sell()
    deliveries_generate(company=dairy.company, day=tomorrow())
    url = reverse("subscriptions:cancel", args=[subscription.pk])
    owner_client.post(url, {"reason": ""})
    subscription.refresh_from_db()
    assert subscription.status == "active"
    owner_client.post(url, {"reason": "搬家了"})
    subscription.refresh_from_db()
    assert (subscription.status, subscription.cancel_reason) == ("cancelled", "搬家了")
    assert subscription.ended_at is not None
    assert Order.objects.get().status == OrderStatus.CANCELLED
    assert Client().get(self_service_path(subscription)).status_code == 404


def test_the_link_is_sent_to_the_customer_once_a_day(dairy: Dairy, owner_client: Client) -> None:
    from apps.orders.models import Notification

    subscription = dairy.sell()
    url = reverse("subscriptions:send_link", args=[subscription.pk])
    owner_client.post(url)
    owner_client.post(url)
    message = Notification.objects.get(event="calendar_link")
    assert "/subscriptions/my/" in message.text
    assert message.order is None and message.customer == dairy.customer


def test_the_owner_creates_a_water_standing_order_plan(dairy: Dairy, owner_client: Client) -> None:
    from apps.subscriptions.models import Plan

    response = owner_client.post(
        reverse("subscriptions:plan_create"),
        {
            "name": "每周一两桶",
            "schedule": "chosen_weekdays",
            "weekdays": ["0"],
            "interval_days": "1",
            "month_days": "",
            "slot": "daytime",
            "term": "monthly",
            "price_fen": "20.00",
            "skip_rule": "extend",
            "is_active": "on",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "1",
            "items-MAX_NUM_FORMS": "1000",
            "items-0-product": dairy.ow.water.pk,
            "items-0-quantity": "2",
        },
    )
    assert response.status_code == 302
    plan = Plan.objects.get(name="每周一两桶")
    assert (plan.weekdays, plan.price_fen) == ([0], 2000)
    assert [(i.product, i.quantity) for i in plan.items.all()] == [(dairy.ow.water, 2)]


def test_a_card_plan_without_its_package_is_refused(dairy: Dairy, owner_client: Client) -> None:
    response = owner_client.post(
        reverse("subscriptions:plan_create"),
        {
            "name": "卡",
            "schedule": "daily",
            "interval_days": "1",
            "slot": "morning",
            "term": "card",
            "price_fen": "4",
            "skip_rule": "extend",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "卡类计划必须填写此项。" in response.content.decode()


def test_a_dispatcher_cannot_edit_plans(dairy: Dairy, team: Team) -> None:
    client = team.client_for(Role.DISPATCHER)
    assert client.get(reverse("subscriptions:plan_edit", args=[dairy.plan.pk])).status_code == 403
