"""The phone system's hook and the incoming-call card on the dispatcher's screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.orders.models import IncomingCall
from apps.orders.selectors_calls import calls_recent
from apps.orders.services.calls import call_record
from apps.org.models import Role
from tests.conftest import Team
from tests.orders.api_world import ApiWorld, api, other_api

pytestmark = pytest.mark.django_db
__all__ = ["api", "other_api"]

HOOK = "/api/v1/calls/incoming"


def _caller_number(api: ApiWorld) -> str:
    from apps.customers.models import CustomerPhone

    CustomerPhone.objects.create(
        company=api.company, customer=api.customer, number="13906715502", is_primary=True
    )
    return "13906715502"


def test_a_call_from_a_customer_is_recorded_with_the_customer(api: ApiWorld) -> None:
    number = _caller_number(api)

    response = api.post(HOOK, {"phone": "+86 139-0671-5502"})

    assert response.status_code == 201, response.content
    call = IncomingCall.objects.get()
    assert (call.company, call.phone, call.customer) == (api.company, number, api.customer)
    assert response.json()["customer"]["name"] == api.customer.name


def test_an_unknown_or_odd_number_is_still_recorded(api: ApiWorld) -> None:
    assert api.post(HOOK, {"phone": "88886666"}).status_code == 201
    assert api.post(HOOK, {"phone": "13800000000"}).status_code == 201

    assert [(c.phone, c.customer) for c in IncomingCall.objects.order_by("pk")] == [
        ("88886666", None),
        ("13800000000", None),
    ]


@pytest.mark.parametrize("body", [{"phone": "abc"}, {"phone": ""}, {}, {"phone": "1" * 41}])
def test_no_number_is_a_400_and_records_nothing(api: ApiWorld, body: dict[str, str]) -> None:
    response = api.post(HOOK, body)

    assert response.status_code == 400
    assert list(response.json()) == ["phone"]
    assert not IncomingCall.objects.exists()


def test_the_hook_needs_an_api_client(api: ApiWorld) -> None:
    anonymous = Client().post(HOOK, {"phone": "13906715502"}, content_type="application/json")
    dispatcher = api.team.client_for(Role.DISPATCHER).post(
        HOOK, {"phone": "13906715502"}, content_type="application/json"
    )

    assert anonymous.status_code == 401
    assert dispatcher.status_code == 401
    assert not IncomingCall.objects.exists()


def test_the_card_shows_the_caller_and_links_to_quick_entry(api: ApiWorld) -> None:
    number = _caller_number(api)
    api.post(HOOK, {"phone": number})
    api.post(HOOK, {"phone": "13800000000"})

    page = api.team.client_for(Role.DISPATCHER).get(reverse("orders:calls_latest"))

    assert page.status_code == 200
    html = page.content.decode()
    assert api.customer.name in html
    assert api.address.short in html
    assert f"?q={number}" in html
    assert "13800000000" in html
    assert 'hx-trigger="every 3s"' in html


def test_a_dismissed_or_old_call_leaves_the_screen(api: ApiWorld) -> None:
    seen = call_record(company=api.company, phone="13800000001")
    old = call_record(company=api.company, phone="13800000002")
    IncomingCall.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(hours=1))
    fresh = call_record(company=api.company, phone="13800000003")
    client = api.team.client_for(Role.DISPATCHER)

    response = client.post(
        reverse("orders:call_seen", args=[seen.pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "13800000001" not in response.content.decode()
    assert [c.pk for c in calls_recent(company=api.company)] == [fresh.pk]
    seen.refresh_from_db()
    assert seen.seen_at is not None


def test_the_card_shows_only_the_companys_calls(api: ApiWorld, other_api: ApiWorld) -> None:
    call_record(company=other_api.company, phone="13800000009")

    html = api.team.client_for(Role.DISPATCHER).get(reverse("orders:calls_latest")).content.decode()
    refused = api.team.client_for(Role.DISPATCHER).post(
        reverse("orders:call_seen", args=[IncomingCall.objects.get().pk])
    )

    assert "13800000009" not in html
    assert refused.status_code == 404
    assert IncomingCall.objects.get().seen_at is None


@pytest.mark.parametrize("role", [Role.COURIER, Role.ACCOUNTANT])
def test_the_card_is_for_the_orders_section(team: Team, role: str) -> None:
    assert team.client_for(role).get(reverse("orders:calls_latest")).status_code == 403


def test_the_card_takes_a_fixed_number_of_queries(api: ApiWorld) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    number = _caller_number(api)
    call_record(company=api.company, phone=number)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            for call in calls_recent(company=api.company):
                if call.customer is not None:
                    assert call.customer.default_address is not None
                    assert list(call.customer.phones.all())
        return len(queries)

    few = count()
    call_record(company=api.company, phone=number)
    call_record(company=api.company, phone="13800000000")
    assert count() == few
