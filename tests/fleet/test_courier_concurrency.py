"""A phone that resends its queue while the first send is still running records each action once."""

from __future__ import annotations

import pytest

from apps.fleet.models import CourierAction
from apps.fleet.services.courier import StopAction, courier_action_apply
from apps.ledger.models import Transaction
from apps.orders.models import Order, OrderEvent, OrderStatus
from apps.orders.services.lifecycle import order_assign
from tests.concurrency import race, require_postgres
from tests.fleet.conftest import make_fleet_world
from tests.ledger.conftest import lifted_sqlite_guards  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_delivery_sent_six_times_at_once_is_recorded_once(
    lifted_sqlite_guards: None,  # noqa: F811
) -> None:
    require_postgres()
    fw = make_fleet_world(couriers=1)
    courier = fw.couriers[0]
    order = order_assign(order=fw.order_near(quantity=2), courier=courier, actor=fw.dispatcher)
    action = StopAction(key="phone-retry", kind="deliver", order_id=order.pk)

    results, errors = race(
        6, lambda _index: courier_action_apply(courier=courier, action=action, user=courier.user)
    )

    assert errors == []
    assert [result.outcome for result in results] == ["applied"] * 6
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED
    assert CourierAction.objects.filter(courier=courier).count() == 1
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.DELIVERED).count() == 1
    assert Transaction.objects.filter(key=f"order:{order.pk}:delivery").count() == 1


def test_two_couriers_acting_on_one_order_leave_one_result(
    lifted_sqlite_guards: None,  # noqa: F811
) -> None:
    require_postgres()
    fw = make_fleet_world(couriers=2)
    first, second = fw.couriers
    order = order_assign(order=fw.order_near(quantity=1), courier=first, actor=fw.dispatcher)

    def act(index: int):  # type: ignore[no-untyped-def]
        if index == 0:
            return courier_action_apply(
                courier=first,
                action=StopAction(key="deliver", kind="deliver", order_id=order.pk),
                user=first.user,
            )
        return order_assign(
            order=Order.objects.get(pk=order.pk), courier=second, actor=fw.dispatcher
        )

    _results, errors = race(2, act)

    order.refresh_from_db()
    delivered = OrderEvent.objects.filter(order=order, to_status=OrderStatus.DELIVERED).count()
    action = CourierAction.objects.get(courier=first, key="deliver")
    if action.outcome == "applied":
        # The delivery came first: the reassignment was refused, the order stays his.
        assert order.status == OrderStatus.DELIVERED and delivered == 1
        assert order.courier == first and len(errors) == 1
    else:
        # The reassignment came first: the courier's delivery is kept as a conflict.
        assert action.outcome == "conflict" and delivered == 0
        assert order.courier == second and errors == []
