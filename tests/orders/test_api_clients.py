"""API clients: tokens shown once and kept as a hash, revocation, the webhook secret and mapping."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.orders.models import ApiClient
from apps.orders.services.clients import (
    api_client_create,
    api_client_revoke,
    api_client_rotate_secret,
    api_client_update_mapping,
)
from apps.org.models import Role
from tests.conftest import Team
from tests.orders.api_world import ORDERS, ApiWorld, api, other_api

pytestmark = pytest.mark.django_db
__all__ = ["api", "other_api"]


def test_a_token_is_returned_once_and_only_its_hash_is_kept(team: Team) -> None:
    client, token = api_client_create(company=team.company, name="ERP", channel="api")

    assert token.startswith("sd_") and len(token) > 40
    assert client.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert client.token_prefix == token[:10]
    stored = ApiClient.objects.filter(pk=client.pk).values()[0]
    assert token not in json.dumps(stored, default=str)
    assert len(client.webhook_secret) == 64


def test_two_clients_get_different_tokens_and_secrets(team: Team) -> None:
    one, first = api_client_create(company=team.company, name="A", channel="api")
    two, second = api_client_create(company=team.company, name="B", channel="meituan")

    assert first != second
    assert one.webhook_secret != two.webhook_secret


@pytest.mark.parametrize(("name", "channel"), [("ERP", "phone"), ("", "api")])
def test_a_client_needs_a_name_and_a_client_channel(team: Team, name: str, channel: str) -> None:
    with pytest.raises(ValidationError):
        api_client_create(company=team.company, name=name, channel=channel)
    assert not ApiClient.objects.exists()


def test_a_name_is_used_once_per_company(team: Team, other_team: Team) -> None:
    api_client_create(company=team.company, name="ERP", channel="api")
    api_client_create(company=other_team.company, name="ERP", channel="api")

    with pytest.raises(ValidationError):
        api_client_create(company=team.company, name="ERP", channel="eleme")


def test_revoking_stops_the_token_and_keeps_the_first_moment(api: ApiWorld) -> None:
    revoked = api_client_revoke(client=api.client)
    again = api_client_revoke(client=api.client)

    assert revoked.revoked_at is not None and not revoked.is_active
    assert again.revoked_at == revoked.revoked_at
    assert api.get(ORDERS).status_code == 401


def test_rotating_the_secret_replaces_it(api: ApiWorld) -> None:
    old = api.client.webhook_secret

    rotated = api_client_rotate_secret(client=api.client)

    assert rotated.webhook_secret != old
    assert ApiClient.objects.get(pk=api.client.pk).webhook_secret == rotated.webhook_secret


def test_a_mapping_must_be_complete_and_empty_switches_the_webhook_off(api: ApiWorld) -> None:
    with pytest.raises(ValidationError) as refused:
        api_client_update_mapping(client=api.client, field_mapping={"phone": "a.phone"})
    assert any("external_id" in message for message in refused.value.messages)
    with pytest.raises(ValidationError):
        api_client_update_mapping(client=api.client, field_mapping=["not", "a", "dict"])

    mapping = {
        "external_id": " order.id ",
        "phone": "tel",
        "lines": "items",
        "line_sku": "sku",
        "line_quantity": "n",
    }
    saved = api_client_update_mapping(client=api.client, field_mapping=mapping)
    assert saved.field_mapping["external_id"] == "order.id"
    assert api_client_update_mapping(client=api.client, field_mapping={}).field_mapping == {}


def test_the_client_is_noted_as_used(api: ApiWorld) -> None:
    assert api.client.last_used_at is None

    api.get(ORDERS)

    api.client.refresh_from_db()
    assert api.client.last_used_at is not None


# The owner's pages.


def test_the_owner_creates_a_client_and_sees_the_token_once(team: Team) -> None:
    owner = team.client_for(Role.OWNER)

    response = owner.post(
        reverse("orders:client_create"), {"name": "美团外卖", "channel": "meituan"}
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    client = ApiClient.objects.get(company=team.company, name="美团外卖")
    page = response.content.decode()
    token = page.split("data-token")[0].rsplit('value="', 1)[1].split('"')[0]
    assert hashlib.sha256(token.encode()).hexdigest() == client.token_hash
    assert client.channel == "meituan"
    listing = owner.get(reverse("orders:client_list")).content.decode()
    detail = owner.get(reverse("orders:client_detail", args=[client.pk])).content.decode()
    assert "美团外卖" in listing and client.token_prefix in listing
    assert token not in listing and token not in detail
    assert f"/api/v1/platforms/{client.pk}/orders/" in detail
    assert client.webhook_secret in detail


def test_the_list_names_each_clients_channel(team: Team) -> None:
    api_client_create(company=team.company, name="库存系统", channel="eleme")

    listing = team.client_for(Role.OWNER).get(reverse("orders:client_list")).content.decode()

    assert "饿了么" in listing


def test_a_bad_client_form_shows_its_errors_and_creates_nothing(team: Team) -> None:
    owner = team.client_for(Role.OWNER)
    api_client_create(company=team.company, name="ERP", channel="api")

    duplicate = owner.post(reverse("orders:client_create"), {"name": "ERP", "channel": "api"})
    no_channel = owner.post(reverse("orders:client_create"), {"name": "X", "channel": "phone"})

    assert duplicate.status_code == no_channel.status_code == 200
    assert "data-token" not in duplicate.content.decode()
    assert ApiClient.objects.filter(company=team.company).count() == 1


def test_the_owner_revokes_and_rotates_from_the_page(api: ApiWorld) -> None:
    owner = api.team.client_for(Role.OWNER)
    old_secret = api.client.webhook_secret

    rotated = owner.post(reverse("orders:client_rotate_secret", args=[api.client.pk]))
    revoked = owner.post(reverse("orders:client_revoke", args=[api.client.pk]))

    assert rotated.status_code == revoked.status_code == 302
    api.client.refresh_from_db()
    assert api.client.webhook_secret != old_secret
    assert api.client.revoked_at is not None
    assert api.get(ORDERS).status_code == 401
    assert owner.get(reverse("orders:client_revoke", args=[api.client.pk])).status_code == 405


def test_the_owner_edits_the_mapping_and_a_bad_one_is_explained(api: ApiWorld) -> None:
    owner = api.team.client_for(Role.OWNER)
    url = reverse("orders:client_detail", args=[api.client.pk])
    good = {
        "external_id": "order.id",
        "phone": "recipient.phone",
        "lines": "items",
        "line_sku": "sku",
        "line_quantity": "qty",
    }

    bad = owner.post(url, {"field_mapping": '{"phone": "recipient.phone"}'})
    broken = owner.post(url, {"field_mapping": "{not json"})
    saved = owner.post(url, {"field_mapping": json.dumps(good)})

    assert bad.status_code == broken.status_code == 200
    assert "external_id" in bad.content.decode()
    assert saved.status_code == 302
    api.client.refresh_from_db()
    assert api.client.field_mapping == good


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.COURIER, Role.ACCOUNTANT])
def test_only_the_owner_manages_clients(api: ApiWorld, role: str) -> None:
    client = api.team.client_for(role)

    assert client.get(reverse("orders:client_list")).status_code == 403
    assert client.post(reverse("orders:client_revoke", args=[api.client.pk])).status_code == 403
    api.client.refresh_from_db()
    assert api.client.revoked_at is None


def test_another_companys_client_is_a_404(api: ApiWorld, other_api: ApiWorld) -> None:
    owner = api.team.client_for(Role.OWNER)

    assert owner.get(reverse("orders:client_detail", args=[other_api.client.pk])).status_code == 404
    assert (
        owner.post(reverse("orders:client_revoke", args=[other_api.client.pk])).status_code == 404
    )
    other_api.client.refresh_from_db()
    assert other_api.client.revoked_at is None
    assert "别家小程序" not in owner.get(reverse("orders:client_list")).content.decode()


def test_the_company_settings_link_to_the_clients(team: Team) -> None:
    page = team.client_for(Role.OWNER).get(reverse("org:settings")).content.decode()

    assert reverse("orders:client_list") in page
