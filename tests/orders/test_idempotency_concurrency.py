"""Concurrent duplicates on PostgreSQL: real threads, one connection each, one order in the end."""

from __future__ import annotations

import pytest

from apps.orders.models import IdempotencyRecord, Order
from tests.concurrency import race, require_postgres
from tests.ledger.conftest import lifted_sqlite_guards
from tests.orders.api_world import ORDERS, ApiWorld, make_api_world
from tests.orders.conftest import make_order_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
__all__ = ["lifted_sqlite_guards"]


@pytest.fixture
def pg_api(lifted_sqlite_guards: None) -> ApiWorld:
    require_postgres()
    return make_api_world(make_order_world())


def test_fifty_concurrent_duplicates_make_one_order_and_fifty_identical_answers(
    pg_api: ApiWorld,
) -> None:
    body = pg_api.order_body(notes="并发")

    def send(index: int) -> tuple[int, bytes]:
        response = pg_api.post(ORDERS, body, key="same-key")
        return response.status_code, response.content

    answers, errors = race(50, send)

    assert errors == []
    assert len(answers) == 50
    assert {status for status, _ in answers} == {201}
    assert len({content for _, content in answers}) == 1
    assert Order.objects.filter(company=pg_api.company).count() == 1
    assert IdempotencyRecord.objects.filter(client=pg_api.client).count() == 1


def test_concurrent_pushes_of_one_external_order_without_keys_make_one_order(
    pg_api: ApiWorld,
) -> None:
    body = {
        "phone": "13906715502",
        "name": "新客户",
        "address": "文一路 1 号",
        "external_id": "MT-42",
        "lines": [{"product": pg_api.water.pk, "quantity": 1}],
    }

    def send(index: int) -> tuple[int, int]:
        response = pg_api.post(ORDERS, body)
        return response.status_code, response.json()["id"]

    answers, errors = race(20, send)

    assert errors == []
    assert sorted(status for status, _ in answers) == [200] * 19 + [201]
    assert len({order_id for _, order_id in answers}) == 1
    assert Order.objects.filter(company=pg_api.company, external_id="MT-42").count() == 1
