"""Idempotency-Key on API writes: replay byte for byte, refuse reuse, purge old records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.orders.models import IdempotencyRecord, Order, OrderEvent
from apps.orders.services.idempotency import (
    IdempotencyKeyInvalid,
    idempotency_key_check,
    idempotency_purge,
)
from apps.org.models import Role
from tests.orders.api_world import ORDERS, ApiWorld, api, body_of, make_api_world

pytestmark = pytest.mark.django_db
__all__ = ["api"]


def test_a_retry_with_the_same_key_gets_the_same_bytes_and_makes_one_order(api: ApiWorld) -> None:
    body = api.order_body(notes="第一次")

    first = api.post(ORDERS, body, key="order-0001")
    second = api.post(ORDERS, body, key="order-0001")

    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Order.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.client, record.key, record.status_code) == (api.client, "order-0001", 201)
    assert bytes(record.body) == first.content


def test_the_same_key_with_another_body_is_a_422_and_changes_nothing(api: ApiWorld) -> None:
    first = api.post(ORDERS, api.order_body(), key="k-1")

    reused = api.post(ORDERS, api.order_body(notes="换了内容"), key="k-1")

    assert first.status_code == 201
    assert reused.status_code == 422
    assert reused["Content-Type"] == "application/json"
    assert set(reused.json()) == {"detail"}
    assert Order.objects.count() == 1
    assert Order.objects.get().notes == ""


def test_the_same_key_on_another_endpoint_is_a_422(api: ApiWorld) -> None:
    created = api.post(ORDERS, api.order_body(), key="k-2").json()

    response = api.post(f"{ORDERS}{created['id']}/cancel/", {"reason": "duplicate"}, key="k-2")

    assert response.status_code == 422
    assert Order.objects.get().status == "pending"


def test_without_a_key_every_post_is_a_new_order(api: ApiWorld) -> None:
    api.post(ORDERS, api.order_body())
    api.post(ORDERS, api.order_body())

    assert Order.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", "   ", "k" * 256, "订单-1", "tab\there"])
def test_an_unusable_key_is_a_400_and_changes_nothing(api: ApiWorld, key: str) -> None:
    response = api.post(ORDERS, api.order_body(), key=key)

    assert response.status_code == 400
    assert list(response.json()) == ["Idempotency-Key"]
    assert Order.objects.count() == 0
    assert not IdempotencyRecord.objects.exists()


def test_a_key_of_255_printable_characters_is_accepted() -> None:
    key = "a:b/" + "~" * 251
    assert idempotency_key_check(key) == key
    assert idempotency_key_check("  spaced  ") == "spaced"
    with pytest.raises(IdempotencyKeyInvalid):
        idempotency_key_check("k" * 256)
    assert idempotency_key_check(None) is None


def test_a_refused_request_leaves_the_key_free_for_the_corrected_one(api: ApiWorld) -> None:
    refused = api.post(ORDERS, api.order_body(lines=[{"sku": "NOPE", "quantity": 1}]), key="k-3")
    fixed = api.post(ORDERS, api.order_body(), key="k-3")
    replay = api.post(ORDERS, api.order_body(), key="k-3")

    assert (refused.status_code, fixed.status_code, replay.status_code) == (400, 201, 201)
    assert replay.content == fixed.content
    assert Order.objects.count() == 1


def test_keys_belong_to_one_client(api: ApiWorld) -> None:
    other_client = make_api_world(api.ow, name="ERP")
    body = body_of(api.order_body())

    mine = api.post(ORDERS, body, key="shared-key")
    theirs = other_client.post(ORDERS, body, key="shared-key")

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert Order.objects.count() == 2


def test_a_signed_in_dispatcher_cannot_rely_on_a_key(api: ApiWorld) -> None:
    client = api.team.client_for(Role.DISPATCHER)

    response = client.post(
        ORDERS,
        body_of(api.order_body()),
        "application/json",
        headers={"Idempotency-Key": "k-4"},
    )

    assert response.status_code == 400
    assert list(response.json()) == ["Idempotency-Key"]
    assert Order.objects.count() == 0


def test_a_cancel_retried_with_its_key_is_replayed_not_refused(api: ApiWorld) -> None:
    order = api.ow.order()
    path = f"{ORDERS}{order.pk}/cancel/"

    first = api.post(path, {"reason": "changed_mind"}, key="cancel-1")
    second = api.post(path, {"reason": "changed_mind"}, key="cancel-1")
    unkeyed = api.post(path, {"reason": "changed_mind"})

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert unkeyed.status_code == 409
    assert OrderEvent.objects.filter(order=order, to_status="cancelled").count() == 1


def test_old_records_are_purged_and_recent_ones_kept(api: ApiWorld) -> None:
    api.post(ORDERS, api.order_body(), key="old")
    api.post(ORDERS, api.order_body(notes="new"), key="new")
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(days=8)
    )

    assert idempotency_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    # A purged key is free again: a late retry makes a new order (keys are kept a week).
    assert api.post(ORDERS, api.order_body(), key="old").status_code == 201
    assert Order.objects.count() == 3


def test_a_replay_costs_a_fixed_handful_of_queries(api: ApiWorld) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    body = api.order_body(lines=[{"product": api.water.pk, "quantity": 1}])
    api.post(ORDERS, body, key="cheap")

    with CaptureQueriesContext(connection) as queries:
        assert api.post(ORDERS, body, key="cheap").status_code == 201

    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    # The client, the claim that finds the key taken, the stored response.
    assert len(statements) == 3, statements
