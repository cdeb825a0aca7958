"""Sending races on PostgreSQL: many workers, one message, one send."""

from __future__ import annotations

import threading
import time as clock
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.customers.models import CustomerPhone
from apps.orders.models import Notification, NotificationStatus
from apps.orders.notifications import transport
from apps.orders.services import notifications as services
from tests.concurrency import race, require_postgres
from tests.ledger.conftest import lifted_sqlite_guards
from tests.orders.conftest import OrderWorld, make_order_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
__all__ = ["lifted_sqlite_guards"]


@pytest.fixture
def pg_world(lifted_sqlite_guards: None, settings: Any) -> OrderWorld:
    require_postgres()
    settings.NOTIFICATION_CHANNEL = "webhook"
    settings.NOTIFICATION_WEBHOOK_URL = "https://hooks.example.com/robot"
    world = make_order_world()
    CustomerPhone.objects.create(
        company=world.company, customer=world.customer, number="13812345678", is_primary=True
    )
    return world


def _slow_network(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    sent: list[bytes] = []
    lock = threading.Lock()

    def post(url: str, *, body: bytes, headers: Any, timeout: float) -> transport.HttpReply:
        clock.sleep(0.2)
        with lock:
            sent.append(body)
        return transport.HttpReply(200, '{"errcode": 0}')

    monkeypatch.setattr(transport, "http_post", post)
    return sent


def _due_message(world: OrderWorld, monkeypatch: pytest.MonkeyPatch) -> Notification:
    monkeypatch.setattr(services, "send_later", lambda *args: None)
    order = world.order()
    message = Notification.objects.get(order=order)
    Notification.objects.filter(pk=message.pk).update(send_after=timezone.now())
    return message


def test_ten_workers_delivering_one_message_send_it_once(
    pg_world: OrderWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = _due_message(pg_world, monkeypatch)
    sent = _slow_network(monkeypatch)
    outcomes, errors = race(
        10, lambda index: services.notification_deliver(notification_id=message.pk)
    )
    assert errors == []
    assert sorted(outcomes) == [""] * 9 + [NotificationStatus.SENT]
    assert len(sent) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (NotificationStatus.SENT, 1)


def test_parallel_sweeps_hand_each_due_message_to_one_job(
    pg_world: OrderWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(20):
        _due_message(pg_world, monkeypatch)
    handed: list[int] = []
    lock = threading.Lock()

    def record(notification_id: int, dispatched: Any = None) -> None:
        with lock:
            handed.append(notification_id)

    monkeypatch.setattr(services, "send_later", record)
    later = timezone.now() + timedelta(seconds=1)
    counts, errors = race(5, lambda index: services.notifications_send_due(now=later, batch=7))
    assert errors == []
    assert len(handed) == len(set(handed)) == sum(counts) == 20
    assert set(handed) == set(Notification.objects.values_list("pk", flat=True))
