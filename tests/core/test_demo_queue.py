"""After the demo is built, queued jobs with nothing left to do are dropped."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_q.conf import Conf
from django_q.tasks import async_task

from apps.core.demo import DemoWorld, queued_jobs
from apps.fleet import demo as fleet_demo
from apps.orders import demo as orders_demo
from apps.orders.models import Notification, NotificationStatus, OrderStatus
from apps.orders.services.lifecycle import order_assign
from tests.orders.conftest import make_order_world

SEND = "apps.orders.tasks.notification_send"
DISPATCH = "apps.fleet.tasks_dispatch.order_dispatch"


@pytest.mark.django_db
def test_sends_of_sent_messages_and_dispatches_of_assigned_orders_are_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ow = make_order_world()
    waiting, assigned = ow.order(), ow.order()
    order_assign(order=assigned, courier=ow.courier, actor=ow.dispatcher)
    pending_message = Notification.objects.filter(order=waiting).first()
    sent_message = Notification.objects.filter(order=assigned).first()
    assert pending_message is not None and sent_message is not None
    Notification.objects.filter(pk=pending_message.pk).update(status=NotificationStatus.PENDING)
    Notification.objects.filter(pk=sent_message.pk).update(status=NotificationStatus.SENT)
    monkeypatch.setattr(Conf, "SYNC", False)  # queue the jobs as production does
    for notification in (pending_message, sent_message):
        async_task(SEND, notification.pk)
    for order in (waiting, assigned):
        async_task(DISPATCH, order.pk, [])
    log: list[str] = []
    world = DemoWorld(today=timezone.localdate(), log=log.append)

    orders_demo.tidy_queue(world)
    fleet_demo.tidy_queue(world)

    assert set(queued_jobs(SEND).values()) == {pending_message.pk}
    assert set(queued_jobs(DISPATCH).values()) == {waiting.pk}
    assert waiting.status == OrderStatus.PENDING
    assert any("1 queued sends" in line for line in log)
    assert any("1 queued dispatches" in line for line in log)
