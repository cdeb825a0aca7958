"""Concurrent duplicates on PostgreSQL: real threads, one connection each, one order in the end."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from apps.orders.models import IdempotencyRecord, Order
from tests.environment import require_or_skip
from tests.ledger.conftest import lifted_sqlite_guards
from tests.orders.api_world import ORDERS, ApiWorld, make_api_world
from tests.orders.conftest import make_order_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
__all__ = ["lifted_sqlite_guards"]


@pytest.fixture
def pg_api(lifted_sqlite_guards: None) -> ApiWorld:
    require_or_skip(
        connection.vendor == "postgresql",
        "concurrency tests need PostgreSQL (set DATABASE_URL=postgres://…)",
    )
    return make_api_world(make_order_world())


def _race(count: int, action: Callable[[int], Any]) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(count)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcome = action(index)
            with lock:
                results.append(outcome)
        except BaseException as error:
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results, errors


def test_fifty_concurrent_duplicates_make_one_order_and_fifty_identical_answers(
    pg_api: ApiWorld,
) -> None:
    body = pg_api.order_body(notes="并发")

    def send(index: int) -> tuple[int, bytes]:
        response = pg_api.post(ORDERS, body, key="same-key")
        return response.status_code, response.content

    answers, errors = _race(50, send)

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

    answers, errors = _race(20, send)

    assert errors == []
    assert sorted(status for status, _ in answers) == [200] * 19 + [201]
    assert len({order_id for _, order_id in answers}) == 1
    assert Order.objects.filter(company=pg_api.company, external_id="MT-42").count() == 1
