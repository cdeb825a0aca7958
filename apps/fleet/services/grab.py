"""The grab pool (抢单): orders offered to the couriers near them; the first claim wins.

An offer is a :class:`GrabOffer` row. Claiming locks the order's row, so of two
couriers pressing at once one gets the order and the other a clear "already taken";
it also locks the claiming courier's row before counting his open orders, so that
his own two phones cannot both pass the cap. An offer nobody claims expires: a
one-off django-q2 schedule (written in the same transaction as the offer) assigns the
order the automatic way, and does nothing if the order was claimed, assigned or
cancelled meanwhile. A courier may hand back an order the system gave him (or one he
claimed): it goes back to pending and is dispatched again without him.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.fleet.dispatch.policies import AUTO, within_radius
from apps.fleet.models import (
    CourierAction,
    CourierActionKind,
    CourierActionOutcome,
    CourierPosition,
    DispatchSettings,
    GrabOffer,
    GrabOutcome,
    Shift,
)
from apps.fleet.planner.model import GeoPoint
from apps.fleet.services.dispatch import (
    WORKING,
    DispatchAction,
    courier_open_orders_locked,
    local_midnight,
    new_order_task,
    order_assign_by_policy,
    order_dispatch_enqueue,
    system_actor,
)
from apps.orders.errors import OrderError
from apps.orders.models import Order, OrderEvent, OrderStatus
from apps.orders.services.lifecycle import Actor, order_assign, order_unassign
from apps.orders.services.tracking import order_note_add
from apps.org.models import Role, StaffMember

EXPIRE_JOB = "apps.fleet.tasks_dispatch.grab_offer_expire"


class ClaimRefused(OrderError):
    """The courier may not take (or hand back) this order; the message says why."""


class AlreadyTaken(ClaimRefused):
    """Somebody else was quicker, or the order was assigned or cancelled meanwhile."""


def expiry_schedule_name(offer_id: int) -> str:
    return f"fleet-grab-offer-{offer_id}"


def grab_offer_open(
    *, order: Order, dispatch: DispatchSettings, declined_by_id: int | None = None
) -> GrabOffer:
    """Offer a pending order in its depot's pool; the caller holds the order's row.

    An order already on offer keeps its offer (and its timer), unless a courier just
    handed it back: then it is offered again without him.
    """
    from django_q.models import Schedule
    from django_q.tasks import schedule

    now = timezone.now()
    if declined_by_id is None:
        current = GrabOffer.objects.filter(order=order, closed_at=None).first()
        if current is not None:
            return current
    _close_open_offers(order.pk, GrabOutcome.WITHDRAWN, now)
    offer = GrabOffer.objects.create(
        company_id=order.company_id,
        order=order,
        depot_id=dispatch.depot_id,
        offered_at=now,
        expires_at=now + timedelta(minutes=dispatch.grab_timeout_minutes),
        declined_by_id=declined_by_id,
    )
    # The ORM broker keeps the schedule in the same database: it commits (or rolls
    # back) with the offer, so an offer never lacks its fallback.
    schedule(
        EXPIRE_JOB,
        offer.pk,
        name=expiry_schedule_name(offer.pk),
        schedule_type=Schedule.ONCE,
        repeats=-1,
        next_run=offer.expires_at,
    )
    return offer


@transaction.atomic
def order_claim(*, order: Order, courier: StaffMember) -> Order:
    """The courier takes an order from the grab pool; exactly one claim of an order wins."""
    locked = (
        Order.objects.select_for_update(of=("self",))
        .select_related("address")
        .filter(pk=order.pk, company_id=courier.company_id)
        .first()
    )
    offer = (
        GrabOffer.objects.select_for_update().filter(order=locked, closed_at=None).first()
        if locked is not None
        else None
    )
    if locked is None or offer is None or not _still_waiting(locked):
        raise AlreadyTaken(
            _("Too late: order %(number)s has already been taken.") % {"number": order.number}
        )
    if offer.declined_by_id == courier.pk:
        raise ClaimRefused(_("You handed this order back; it is offered to the others now."))
    shift = _working_shift(courier, offer.depot_id)
    if shift is None:
        raise ClaimRefused(_("Only couriers on shift at this depot can claim its orders."))
    dispatch = _settings_for(offer)
    _check_fit(locked, courier, shift, dispatch)
    if courier_open_orders_locked(courier) >= dispatch.max_open_orders:
        raise ClaimRefused(
            _(
                "You already have %(count)d open orders, the most allowed. "
                "Deliver some before you claim more."
            )
            % {"count": dispatch.max_open_orders}
        )
    assigned = order_assign(
        order=locked,
        courier=courier,
        actor=Actor(user=courier.user),
        note=_("Claimed from the grab pool"),
    )
    _close(offer, GrabOutcome.CLAIMED, courier)
    return assigned


def _still_waiting(order: Order) -> bool:
    return order.status == OrderStatus.PENDING and order.courier_id is None


def _working_shift(courier: StaffMember, depot_id: int) -> Shift | None:
    if courier.role != Role.COURIER or not courier.is_active:
        return None
    return (
        Shift.objects.filter(
            courier=courier, depot_id=depot_id, date=timezone.localdate(), status__in=WORKING
        )
        .select_related("depot", "vehicle")
        .first()
    )


def _settings_for(offer: GrabOffer) -> DispatchSettings:
    found = DispatchSettings.objects.filter(depot_id=offer.depot_id).first()
    return found or DispatchSettings(company_id=offer.company_id, depot_id=offer.depot_id)


def _check_fit(
    order: Order, courier: StaffMember, shift: Shift, dispatch: DispatchSettings
) -> None:
    depot = shift.depot
    depot_point = GeoPoint(float(depot.latitude), float(depot.longitude))
    task = new_order_task(order, local_midnight(), depot_point)
    missing = task.skills - set(courier.skills or ())
    if missing:
        raise ClaimRefused(_("This order needs a courier with a skill you do not have."))
    if shift.vehicle is not None and task.demand > shift.vehicle.capacity_units:
        raise ClaimRefused(_("This order does not fit on your vehicle."))
    start = courier_start(courier, depot_point)
    if not within_radius(start, task.location, float(dispatch.grab_radius_km) * 1000):
        raise ClaimRefused(
            _("This order is farther than %(km)s km from you.") % {"km": dispatch.grab_radius_km}
        )


def courier_start(courier: StaffMember, depot: GeoPoint) -> GeoPoint:
    """Where the courier is: his latest position today, else his depot."""
    position = (
        CourierPosition.objects.filter(courier=courier, recorded_at__gte=local_midnight())
        .order_by("-recorded_at", "-pk")
        .values_list("latitude", "longitude")
        .first()
    )
    return depot if position is None else GeoPoint(float(position[0]), float(position[1]))


def order_accepted(order: Order, courier: StaffMember) -> bool:
    """The courier accepted the order since it was last given to him."""
    given_at = (
        OrderEvent.objects.filter(order=order, to_status=OrderStatus.ASSIGNED)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )
    accepted = CourierAction.objects.filter(
        order=order,
        courier=courier,
        kind=CourierActionKind.ACCEPT,
        outcome=CourierActionOutcome.APPLIED,
    )
    if given_at is not None:
        accepted = accepted.filter(received_at__gte=given_at)
    return accepted.exists()


@transaction.atomic
def order_decline(*, order: Order, courier: StaffMember, note: str = "") -> Order:
    """The courier declines an order given to him (by the dispatcher, the system or his claim).

    Once he has accepted it, it is his: only the dispatcher can take it back.
    """
    locked = (
        Order.objects.select_for_update(of=("self",))
        .filter(pk=order.pk, company_id=courier.company_id)
        .first()
    )
    if locked is None or locked.courier_id != courier.pk:
        raise ClaimRefused(_("Order %(number)s is not yours.") % {"number": order.number})
    if locked.status != OrderStatus.ASSIGNED:
        raise ClaimRefused(
            _("Order %(number)s is %(status)s and can no longer be handed back.")
            % {"number": locked.number, "status": locked.get_status_display()}
        )
    if order_accepted(locked, courier):
        raise ClaimRefused(
            _("You accepted this order: call the dispatcher if you cannot take it after all.")
        )
    handed_back = order_unassign(
        order=locked,
        actor=Actor(user=courier.user),
        note=note.strip() or _("Handed back by the courier"),
    )
    order_id, depot_id, courier_id = locked.pk, locked.depot_id, courier.pk
    transaction.on_commit(
        lambda: order_dispatch_enqueue(
            order_id=order_id, depot_id=depot_id, exclude_courier_ids=[courier_id]
        )
    )
    return handed_back


@transaction.atomic
def grab_offer_expire(*, offer_id: int) -> str:
    """Nobody claimed the order in time: assign it the automatic way, if still unassigned."""
    order_id = (
        GrabOffer.objects.filter(pk=offer_id, closed_at=None)
        .values_list("order_id", flat=True)
        .first()
    )
    if order_id is None:
        return "closed"
    # The order's row first, then the offer's: the same order as a claim takes them.
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("address", "depot")
        .get(pk=order_id)
    )
    offer = GrabOffer.objects.select_for_update().filter(pk=offer_id, closed_at=None).first()
    if offer is None:
        return "closed"
    if not _still_waiting(order) or order.depot_id is None:
        _close(offer, GrabOutcome.WITHDRAWN)
        return GrabOutcome.WITHDRAWN
    dispatch = DispatchSettings.objects.select_for_update().filter(
        depot_id=offer.depot_id
    ).first() or _settings_for(offer)
    exclude = [offer.declined_by_id] if offer.declined_by_id else []
    outcome = order_assign_by_policy(order=order, dispatch=dispatch, policy=AUTO, exclude=exclude)
    if outcome.action == DispatchAction.ASSIGNED:
        _close(offer, GrabOutcome.AUTO_ASSIGNED, outcome.courier_id)
        return GrabOutcome.AUTO_ASSIGNED
    _close(offer, GrabOutcome.UNPLACED)
    with translation.override(django_settings.LANGUAGE_CODE):
        note = _(
            "Nobody claimed it from the grab pool and no courier on shift can take it: "
            "it waits for a dispatcher."
        )
    order_note_add(order=order, actor=system_actor(), note=note)
    return GrabOutcome.UNPLACED


def grab_offers_withdraw(*, order_id: int) -> int:
    """The order left the pool another way (assigned by hand, cancelled): close its offer."""
    return _close_open_offers(order_id, GrabOutcome.WITHDRAWN, timezone.now())


def _close(offer: GrabOffer, outcome: str, courier: StaffMember | int | None = None) -> None:
    from django_q.models import Schedule

    offer.closed_at = timezone.now()
    offer.outcome = outcome
    offer.courier_id = courier.pk if isinstance(courier, StaffMember) else courier
    offer.save(update_fields=["closed_at", "outcome", "courier"])
    Schedule.objects.filter(name=expiry_schedule_name(offer.pk)).delete()


def _close_open_offers(order_id: int, outcome: str, now: datetime) -> int:
    from django_q.models import Schedule

    ids = list(
        GrabOffer.objects.filter(order_id=order_id, closed_at=None).values_list("pk", flat=True)
    )
    if not ids:
        return 0
    GrabOffer.objects.filter(pk__in=ids).update(closed_at=now, outcome=outcome)
    Schedule.objects.filter(name__in=[expiry_schedule_name(pk) for pk in ids]).delete()
    return len(ids)
