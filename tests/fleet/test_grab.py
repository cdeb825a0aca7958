"""The grab pool (抢单): offering by radius, claiming, handing back and the automatic fallback."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django_q.models import Schedule

from apps.fleet.models import DispatchPolicy, GrabOffer, GrabOutcome, Shift
from apps.fleet.selectors.grab import grab_pool_for
from apps.fleet.services.courier import StopAction, courier_action_apply
from apps.fleet.services.dispatch import DispatchAction, order_dispatch
from apps.fleet.services.grab import (
    AlreadyTaken,
    ClaimRefused,
    expiry_schedule_name,
    order_claim,
    order_decline,
)
from apps.fleet.tasks_dispatch import grab_offer_expire
from apps.orders.models import CancelReason, Order, OrderEvent, OrderStatus
from apps.orders.services.lifecycle import order_assign, order_cancel, order_start_delivery
from apps.org.models import Skill
from tests.fleet.conftest import FleetWorld
from tests.fleet.test_dispatch import arriving, at_ten, give, order_at, policy, put
from tests.orders.conftest import make_gas

__all__ = ["at_ten"]


@pytest.fixture
def grab(at_ten: datetime, fw: FleetWorld) -> FleetWorld:
    """The fleet world at ten in the morning, its depot offering new orders in the pool."""
    policy(fw, DispatchPolicy.GRAB, grab_radius_km=3, grab_timeout_minutes=5, max_open_orders=2)
    return fw


def offered(fw: FleetWorld, capture: Any, *args: Any, **kwargs: Any) -> Order:
    order = arriving(fw, capture, *args, **kwargs)
    assert order.status == OrderStatus.PENDING
    return order


def open_offer(order: Order) -> GrabOffer:
    return GrabOffer.objects.get(order=order, closed_at=None)


@pytest.mark.django_db
def test_a_new_order_is_offered_with_its_fallback_scheduled(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any, at_ten: datetime
) -> None:
    order = offered(grab, django_capture_on_commit_callbacks, 1.0)

    offer = open_offer(order)
    assert offer.depot == grab.depot
    assert offer.expires_at == at_ten + timedelta(minutes=5)
    fallback = Schedule.objects.get(name=expiry_schedule_name(offer.pk))
    assert fallback.func == "apps.fleet.tasks_dispatch.grab_offer_expire"
    assert fallback.schedule_type == Schedule.ONCE
    assert fallback.next_run == offer.expires_at


@pytest.mark.django_db
def test_dispatching_an_offered_order_again_keeps_its_offer_and_timer(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    order = offered(grab, django_capture_on_commit_callbacks, 1.0)
    offer = open_offer(order)

    assert order_dispatch(order_id=order.pk).action == DispatchAction.OFFERED

    assert list(GrabOffer.objects.filter(order=order)) == [offer]
    assert Schedule.objects.filter(func__endswith="grab_offer_expire").count() == 1


@pytest.mark.django_db
def test_the_pool_offers_an_order_only_to_couriers_within_the_radius(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    near, far = grab.couriers
    put(grab, near, 1.5)
    put(grab, far, -4.0)
    order = offered(grab, django_capture_on_commit_callbacks, 2.0, quantity=3)

    pool = grab_pool_for(courier=near)

    assert [e.order for e in pool.entries] == [order]
    assert pool.entries[0].distance_km == pytest.approx(0.5, abs=0.02)
    assert pool.entries[0].order.total_fen == order.total_fen
    assert grab_pool_for(courier=far).entries == []


@pytest.mark.django_db
def test_without_a_position_the_radius_counts_from_the_depot(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    courier = grab.couriers[0]
    inside = offered(grab, django_capture_on_commit_callbacks, 2.5)
    offered(grab, django_capture_on_commit_callbacks, 3.5)

    assert [e.order for e in grab_pool_for(courier=courier).entries] == [inside]


@pytest.mark.django_db
def test_the_pool_hides_what_the_courier_could_not_take(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    plain = grab.couriers[0]
    certified = grab.add_courier(skills=[Skill.GAS_CERTIFIED])
    gas = offered(
        grab, django_capture_on_commit_callbacks, 1.0, quantity=1, product=make_gas(grab.ow)
    )
    offered(grab, django_capture_on_commit_callbacks, 1.0, quantity=20)

    assert grab_pool_for(courier=plain).entries == []
    assert [e.order for e in grab_pool_for(courier=certified).entries] == [gas]


@pytest.mark.django_db
def test_a_courier_off_shift_sees_no_pool(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    courier = grab.couriers[0]
    Shift.objects.filter(courier=courier).update(status="ended")
    offered(grab, django_capture_on_commit_callbacks, 1.0)

    pool = grab_pool_for(courier=courier)

    assert pool.shift is None
    assert pool.entries == []


@pytest.mark.django_db
def test_a_claim_assigns_the_order_and_closes_the_offer(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    courier = grab.couriers[0]
    order = offered(grab, django_capture_on_commit_callbacks, 1.0)
    offer = open_offer(order)

    claimed = order_claim(order=order, courier=courier)

    assert claimed.status == OrderStatus.ASSIGNED
    assert claimed.courier == courier
    event = OrderEvent.objects.filter(order=order, to_status=OrderStatus.ASSIGNED).get()
    assert event.actor == courier.user
    offer.refresh_from_db()
    assert (offer.outcome, offer.courier) == (GrabOutcome.CLAIMED, courier)
    assert offer.closed_at is not None
    assert not Schedule.objects.filter(name=expiry_schedule_name(offer.pk)).exists()
    assert grab_pool_for(courier=grab.couriers[1]).entries == []


@pytest.mark.django_db
def test_the_second_claim_is_told_the_order_is_taken(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    first, second = grab.couriers
    order = offered(grab, django_capture_on_commit_callbacks, 1.0)
    order_claim(order=order, courier=first)

    with pytest.raises(AlreadyTaken, match="已被抢"):
        order_claim(order=Order.objects.get(pk=order.pk), courier=second)

    order.refresh_from_db()
    assert order.courier == first


@pytest.mark.django_db
def test_a_claim_over_the_cap_is_refused(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    courier = grab.couriers[0]
    give(grab, courier, 0.5)
    give(grab, courier, 0.6)
    order = offered(grab, django_capture_on_commit_callbacks, 1.0)

    with pytest.raises(ClaimRefused, match="上限"):
        order_claim(order=order, courier=courier)

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert open_offer(order)
    assert grab_pool_for(courier=courier).at_cap


@pytest.mark.django_db
def test_a_claim_without_the_skill_is_refused(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    order = offered(
        grab, django_capture_on_commit_callbacks, 1.0, quantity=1, product=make_gas(grab.ow)
    )

    with pytest.raises(ClaimRefused, match="技能"):
        order_claim(order=order, courier=grab.couriers[0])

    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING


@pytest.mark.django_db
def test_a_claim_off_shift_or_out_of_the_radius_is_refused(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    off, far = grab.couriers
    Shift.objects.filter(courier=off).update(status="ended")
    put(grab, far, -5.0)
    order = offered(grab, django_capture_on_commit_callbacks, 1.0)

    with pytest.raises(ClaimRefused, match="上班"):
        order_claim(order=order, courier=off)
    with pytest.raises(ClaimRefused, match="公里"):
        order_claim(order=order, courier=far)


@pytest.mark.django_db
def test_an_order_not_in_the_pool_cannot_be_claimed(at_ten: datetime, fw: FleetWorld) -> None:
    order = order_at(fw, 1.0)

    with pytest.raises(AlreadyTaken):
        order_claim(order=order, courier=fw.couriers[0])


@pytest.mark.django_db
def test_unclaimed_after_the_timeout_it_is_assigned_automatically(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    near, far = grab.couriers
    put(grab, near, 1.0)
    put(grab, far, -2.0)
    order = offered(grab, django_capture_on_commit_callbacks, 1.2)
    offer = open_offer(order)

    assert grab_offer_expire(offer.pk) == GrabOutcome.AUTO_ASSIGNED

    order.refresh_from_db()
    offer.refresh_from_db()
    assert order.courier == near
    assert OrderEvent.objects.get(order=order, to_status=OrderStatus.ASSIGNED).actor_label == (
        "自动派单"
    )
    assert (offer.outcome, offer.courier) == (GrabOutcome.AUTO_ASSIGNED, near)


@pytest.mark.django_db
def test_the_fallback_does_nothing_once_the_order_was_claimed(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    claimer, _other = grab.couriers
    order = offered(grab, django_capture_on_commit_callbacks, 1.0)
    offer = open_offer(order)
    order_claim(order=order, courier=claimer)

    assert grab_offer_expire(offer.pk) == "closed"

    order.refresh_from_db()
    assert order.courier == claimer
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.ASSIGNED).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("meanwhile", ["assigned by hand", "cancelled"])
def test_the_fallback_does_nothing_once_the_order_left_the_pool(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any, meanwhile: str
) -> None:
    order = offered(grab, django_capture_on_commit_callbacks, 1.0)
    offer = open_offer(order)
    with django_capture_on_commit_callbacks(execute=True):
        if meanwhile == "cancelled":
            order_cancel(order=order, reason=CancelReason.DUPLICATE, actor=grab.dispatcher)
        else:
            order_assign(order=order, courier=grab.couriers[1], actor=grab.dispatcher)
    offer.refresh_from_db()
    assert offer.outcome == GrabOutcome.WITHDRAWN

    assert grab_offer_expire(offer.pk) == "closed"

    order.refresh_from_db()
    assert order.courier == (None if meanwhile == "cancelled" else grab.couriers[1])


@pytest.mark.django_db
def test_the_fallback_leaves_the_order_pending_when_nobody_can_take_it(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    order = offered(
        grab, django_capture_on_commit_callbacks, 1.0, quantity=1, product=make_gas(grab.ow)
    )
    offer = open_offer(order)

    assert grab_offer_expire(offer.pk) == GrabOutcome.UNPLACED

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert not GrabOffer.objects.filter(order=order, closed_at=None).exists()
    (note,) = OrderEvent.objects.filter(order=order, actor_label="自动派单")
    assert (note.from_status, note.to_status) == (OrderStatus.PENDING, OrderStatus.PENDING)
    assert "抢单池" in note.note and "调度" in note.note


@pytest.mark.django_db
def test_a_claimed_order_handed_back_goes_to_the_pool_without_him(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    quitter, other = grab.couriers
    order = offered(grab, django_capture_on_commit_callbacks, 1.0)
    order_claim(order=order, courier=quitter)

    with django_capture_on_commit_callbacks(execute=True):
        order_decline(order=Order.objects.get(pk=order.pk), courier=quitter, note="车坏了")

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    event = OrderEvent.objects.filter(order=order).last()
    assert event is not None and event.note == "车坏了"
    assert open_offer(order).declined_by == quitter
    assert grab_pool_for(courier=quitter).entries == []
    assert [e.order for e in grab_pool_for(courier=other).entries] == [order]
    with pytest.raises(ClaimRefused):
        order_claim(order=order, courier=quitter)


@pytest.mark.django_db
def test_an_auto_assigned_order_handed_back_goes_to_the_next_best(
    at_ten: datetime, fw: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    policy(fw, DispatchPolicy.AUTO)
    first, second = fw.couriers
    put(fw, first, 1.0)
    put(fw, second, -3.0)
    order = arriving(fw, django_capture_on_commit_callbacks, 1.0)
    assert order.courier == first

    with django_capture_on_commit_callbacks(execute=True):
        order_decline(order=order, courier=first)

    order.refresh_from_db()
    assert order.courier == second
    assert list(OrderEvent.objects.filter(order=order).values_list("from_status", "to_status")) == [
        ("", "pending"),
        ("pending", "assigned"),
        ("assigned", "pending"),
        ("pending", "assigned"),
    ]


@pytest.mark.django_db
def test_a_courier_may_decline_what_the_dispatcher_gave_him_until_he_accepts_it(
    at_ten: datetime, fw: FleetWorld
) -> None:
    courier = fw.couriers[0]
    declined, accepted = give(fw, courier, 1.0), give(fw, courier, 1.2)
    action = StopAction(key="accept-1", kind="accept", order_id=accepted.pk)
    assert courier_action_apply(courier=courier, action=action, user=courier.user).applied

    order_decline(order=declined, courier=courier)
    with pytest.raises(ClaimRefused, match="调度"):
        order_decline(order=accepted, courier=courier)

    assert Order.objects.get(pk=declined.pk).courier != courier
    assert Order.objects.get(pk=accepted.pk).courier == courier


@pytest.mark.django_db
def test_an_order_on_its_way_cannot_be_handed_back(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    courier = grab.couriers[0]
    order = order_claim(
        order=offered(grab, django_capture_on_commit_callbacks, 1.0), courier=courier
    )
    order_start_delivery(order=order, actor=grab.dispatcher)

    with pytest.raises(ClaimRefused, match="不能退回"):
        order_decline(order=order, courier=courier)


@pytest.mark.django_db
def test_someone_elses_order_cannot_be_handed_back(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    owner, other = grab.couriers
    order = order_claim(order=offered(grab, django_capture_on_commit_callbacks, 1.0), courier=owner)

    with pytest.raises(ClaimRefused):
        order_decline(order=order, courier=other)
    assert grab_pool_for(courier=owner).mine == [order]
    assert grab_pool_for(courier=other).mine == []
