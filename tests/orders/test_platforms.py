"""Platform webhooks: the pure mapping and signature, then the signed endpoint end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from apps.customers.models import Customer
from apps.orders.models import IdempotencyRecord, Order, OrderChannel
from apps.orders.platforms import (
    MappingError,
    map_order,
    mapping_problems,
    sign,
    signature_matches,
)
from apps.orders.services.clients import (
    api_client_create,
    api_client_revoke,
    api_client_rotate_secret,
    api_client_update_mapping,
)
from tests.orders.api_world import ApiWorld, make_api_world
from tests.orders.conftest import OrderWorld

MEITUAN_MAPPING = {
    "external_id": "order.id",
    "phone": "recipient.phone",
    "name": "recipient.name",
    "address": "recipient.address",
    "lines": "items",
    "line_sku": "sku",
    "line_quantity": "qty",
    "notes": "remark",
    "window_start": "delivery.from",
    "window_end": "delivery.to",
    "payment_intent": "=paid_online",
}


def meituan_order(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "order": {"id": 880012345},
        "recipient": {"phone": "13906715502", "name": "王(先生)", "address": "文三路 90 号 1-502"},
        "items": [{"sku": "W-189", "qty": 2, "price": 1200}],
        "remark": "请敲门",
    }
    payload.update(changes)
    return payload


# The mapping alone: no database.


def test_it_maps_a_platform_order_to_an_order_request() -> None:
    request = map_order(meituan_order(), MEITUAN_MAPPING)

    assert request == {
        "external_id": "880012345",
        "phone": "13906715502",
        "name": "王(先生)",
        "address": "文三路 90 号 1-502",
        "notes": "请敲门",
        "payment_intent": "paid_online",
        "lines": [{"sku": "W-189", "quantity": 2}],
    }


def test_a_missing_window_is_left_out_so_the_order_is_for_asap() -> None:
    request = map_order(meituan_order(), MEITUAN_MAPPING)

    assert "window_start" not in request
    assert "window_end" not in request


def test_windows_may_be_iso_text_or_unix_seconds_or_milliseconds() -> None:
    seconds = int(datetime(2030, 5, 1, 6, 0, tzinfo=UTC).timestamp())
    request = map_order(
        meituan_order(delivery={"from": seconds, "to": "2030-05-01T16:00:00+08:00"}),
        MEITUAN_MAPPING,
    )
    millis = map_order(
        meituan_order(delivery={"from": seconds * 1000, "to": seconds * 1000 + 3_600_000}),
        MEITUAN_MAPPING,
    )

    assert request["window_start"] == "2030-05-01T06:00:00+00:00"
    assert request["window_end"] == "2030-05-01T16:00:00+08:00"
    assert millis["window_start"] == "2030-05-01T06:00:00+00:00"
    assert millis["window_end"] == "2030-05-01T07:00:00+00:00"


def test_list_items_and_nested_paths_can_be_addressed_by_position() -> None:
    mapping = {**MEITUAN_MAPPING, "phone": "recipients.0.phone"}
    request = map_order(meituan_order(recipients=[{"phone": "13800000000"}]), mapping)

    assert request["phone"] == "13800000000"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (meituan_order(recipient={"name": "王"}), "phone"),
        (meituan_order(order={}), "external_id"),
        (meituan_order(items=None), "lines"),
        (meituan_order(items={"sku": "W-189"}), "lines"),
        (meituan_order(items=[{"qty": 1}]), "line_sku"),
        (meituan_order(items=[{"sku": "W-189"}]), "line_quantity"),
        (meituan_order(recipient={"phone": {"n": 1}}), "phone"),
        (meituan_order(delivery={"from": True}), "window_start"),
        ([1, 2, 3], "lines"),
    ],
)
def test_what_the_order_lacks_is_named(payload: Any, field: str) -> None:
    with pytest.raises(MappingError) as refused:
        map_order(payload, MEITUAN_MAPPING)

    assert refused.value.field == field


def test_an_incomplete_mapping_is_refused() -> None:
    assert mapping_problems(MEITUAN_MAPPING) == {}
    assert set(mapping_problems({"phone": "p", "colour": "c"})) == {
        "colour",
        "external_id",
        "lines",
        "line_quantity",
        "line_sku",
    }
    assert set(mapping_problems({**MEITUAN_MAPPING, "notes": ""})) == {"notes"}
    with pytest.raises(MappingError):
        map_order(meituan_order(), {"phone": "recipient.phone"})


def test_the_signature_is_an_hmac_of_the_raw_body() -> None:
    body = b'{"order": 1}'
    good = sign("s3cret", body)

    assert good.startswith("sha256=") and len(good) == len("sha256=") + 64
    assert signature_matches("s3cret", body, good)
    assert signature_matches("s3cret", body, good.upper().replace("SHA256=", "sha256="))
    assert not signature_matches("s3cret", body + b" ", good)
    assert not signature_matches("other", body, good)
    assert not signature_matches("s3cret", body, "")
    assert not signature_matches("", body, sign("", body))
    assert not signature_matches("s3cret", body, "sha256=签名")


# The endpoint.


@pytest.fixture
def meituan(ow: OrderWorld) -> ApiWorld:
    client, token = api_client_create(company=ow.company, name="美团外卖", channel="meituan")
    client = api_client_update_mapping(client=client, field_mapping=MEITUAN_MAPPING)
    ow.water.sku = "W-189"
    ow.water.save()
    return ApiWorld(ow=ow, client=client, token=token)


def push(world: ApiWorld, payload: Any, *, signature: str | None = None, **headers: str) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    if signature is None:
        signature = sign(world.client.webhook_secret, body)
    if signature:
        headers["X-Songda-Signature"] = signature
    from django.test import Client

    return Client().post(
        f"/api/v1/platforms/{world.client.pk}/orders/",
        body,
        content_type="application/json",
        headers=headers,
    )


@pytest.mark.django_db
def test_a_signed_platform_order_enters_the_pool(meituan: ApiWorld) -> None:
    response = push(meituan, meituan_order())

    assert response.status_code == 201, response.content
    order = Order.objects.get(pk=response.json()["id"])
    assert order.channel == OrderChannel.MEITUAN
    assert order.external_id == "880012345"
    assert order.payment_intent == "paid_online"
    assert order.notes == "请敲门"
    assert order.api_client == meituan.client
    assert order.customer.name == "王(先生)"
    assert order.customer.phones.get().number == "13906715502"
    assert [(line.product, line.quantity) for line in order.lines.all()] == [(meituan.water, 2)]


@pytest.mark.django_db
def test_the_same_platform_order_twice_is_one_order(meituan: ApiWorld) -> None:
    first = push(meituan, meituan_order())
    second = push(meituan, meituan_order(remark="催单"))

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Order.objects.count() == 1
    assert Customer.objects.filter(phones__number="13906715502").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, "nonsense"])
def test_an_unsigned_or_badly_signed_push_changes_nothing(
    meituan: ApiWorld, signature: str
) -> None:
    response = push(meituan, meituan_order(), signature=signature)

    assert response.status_code == 404
    assert set(response.json()) == {"detail"}
    assert Order.objects.count() == 0
    assert not Customer.objects.filter(phones__number="13906715502").exists()


@pytest.mark.django_db
def test_a_push_signed_with_a_rotated_secret_is_refused(meituan: ApiWorld) -> None:
    body = json.dumps(meituan_order()).encode()
    old = sign(meituan.client.webhook_secret, body)
    meituan.client = api_client_rotate_secret(client=meituan.client)

    assert push(meituan, body, signature=old).status_code == 404
    assert push(meituan, body).status_code == 201


@pytest.mark.django_db
def test_an_unknown_or_revoked_client_is_a_404(meituan: ApiWorld) -> None:
    body = json.dumps(meituan_order()).encode()
    signature = sign(meituan.client.webhook_secret, body)
    from django.test import Client

    unknown = Client().post(
        "/api/v1/platforms/999999/orders/",
        body,
        content_type="application/json",
        headers={"X-Songda-Signature": signature},
    )
    api_client_revoke(client=meituan.client)

    assert unknown.status_code == 404
    assert push(meituan, body, signature=signature).status_code == 404
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_a_push_the_mapping_cannot_read_is_a_400_naming_the_field(meituan: ApiWorld) -> None:
    response = push(meituan, meituan_order(recipient={"name": "王"}))

    assert response.status_code == 400
    assert list(response.json()) == ["phone"]
    assert "recipient.phone" in response.json()["phone"][0]
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_a_mapped_order_is_validated_like_any_api_order(meituan: ApiWorld) -> None:
    response = push(meituan, meituan_order(items=[{"sku": "GONE", "qty": 1}]))
    bad_phone = push(
        meituan, meituan_order(recipient={"phone": "110", "name": "x", "address": "y"})
    )

    assert response.status_code == 400
    assert list(response.json()["lines"][0]) == ["sku"]
    assert list(bad_phone.json()) == ["phone"]
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_a_400(meituan: ApiWorld) -> None:
    response = push(meituan, b"<xml>order</xml>")

    assert response.status_code == 400
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_a_client_without_a_mapping_is_told_so(ow: OrderWorld) -> None:
    world = make_api_world(ow)

    response = push(world, meituan_order())

    assert response.status_code == 400
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_a_push_retried_with_its_key_is_replayed(meituan: ApiWorld) -> None:
    first = push(meituan, meituan_order(), **{"Idempotency-Key": "mt-880012345"})
    second = push(meituan, meituan_order(), **{"Idempotency-Key": "mt-880012345"})
    changed = push(meituan, meituan_order(remark="改"), **{"Idempotency-Key": "mt-880012345"})

    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert changed.status_code == 422
    assert Order.objects.count() == 1
    assert IdempotencyRecord.objects.get().client == meituan.client
