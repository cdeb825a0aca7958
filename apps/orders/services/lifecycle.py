"""Moving an order along its life cycle (see ``apps/orders/lifecycle.py``).

Every move goes through :func:`_move`: lock the order row, check the edge, set
the status, write the event, enqueue the customer's message in the same
transaction, and tell listening apps after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.orders.errors import IllegalTransition, OrderError
from apps.orders.events import order_status_changed
from apps.orders.lifecycle import can_move
from apps.orders.models import (
    CancelReason,
    FailReason,
    NotificationEvent,
    Order,
    OrderEvent,
    OrderStatus,
)
from apps.orders.services.notifications import notifications_enqueue
from apps.org.models import Role, StaffMember


@dataclass(frozen=True)
class Actor:
    """Who moves an order: a signed-in user, or a system named by ``label`` (an API client)."""

    user: Any = None
    label: str = ""


@dataclass(frozen=True)
class Location:
    """Where the courier was; ``at`` is when, for an action his phone kept while offline."""

    latitude: Decimal | None = None
    longitude: Decimal | None = None
    at: datetime | None = None


def action_time(location: Location | None, now: datetime) -> datetime:
    """When an action happened: the phone's time if it kept it (never in the future), else now."""
    if location is None or location.at is None:
        return now
    return min(location.at, now)


NOTIFY_ON: dict[str, str] = {
    OrderStatus.ASSIGNED: NotificationEvent.ASSIGNED,
    OrderStatus.OUT_FOR_DELIVERY: NotificationEvent.OUT_FOR_DELIVERY,
    OrderStatus.DELIVERED: NotificationEvent.DELIVERED,
    OrderStatus.FAILED: NotificationEvent.FAILED,
    OrderStatus.CANCELLED: NotificationEvent.CANCELLED,
}


def after_commit_status_changed(order: Order, from_status: str, to_status: str) -> None:
    # The reason of this change only: a failed order keeps its fail_reason when it is
    # rescheduled or cancelled later, and listeners must not hear it again then.
    reason = {
        OrderStatus.FAILED: order.fail_reason,
        OrderStatus.CANCELLED: order.cancel_reason,
    }.get(OrderStatus(to_status), "")
    order_id, company_id, depot_id = order.pk, order.company_id, order.depot_id

    def send() -> None:
        order_status_changed.send(
            sender=Order,
            order_id=order_id,
            company_id=company_id,
            depot_id=depot_id,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
        )

    transaction.on_commit(send)


def order_lock(order: Order) -> Order:
    # The customer's row too: moves of one customer's orders (and the first-deposit check
    # at delivery) take turns; company and courier rows are read, never locked.
    return (
        Order.objects.select_for_update(of=("self", "customer", "address"))
        .select_related("company", "customer", "address", "courier")
        .get(pk=order.pk)
    )


def illegal(order: Order, to_status: str) -> IllegalTransition:
    return IllegalTransition(
        _("Order %(number)s is %(current)s and cannot become %(target)s.")
        % {
            "number": order.number,
            "current": order.get_status_display(),
            "target": OrderStatus(to_status).label,
        }
    )


def _move(
    order: Order,
    to_status: str,
    *,
    actor: Actor,
    reason: str = "",
    note: str = "",
    location: Location | None = None,
    notify: bool = True,
    locked: bool = False,
    **changes: Any,
) -> Order:
    """Move ``order``; ``locked=True`` when the caller already holds its row from ``order_lock``."""
    current = order if locked else order_lock(order)
    from_status = current.status
    if not can_move(from_status, to_status):
        raise illegal(current, to_status)
    now = timezone.now()
    happened = action_time(location, now)
    for name, value in changes.items():
        setattr(current, name, value)
    current.status = to_status
    current.status_changed_at = now
    current.save()
    event = OrderEvent.objects.create(
        company_id=current.company_id,
        order=current,
        at=happened,
        actor=actor.user,
        actor_label=actor.label,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        note=note.strip(),
        courier=current.courier,
        latitude=location.latitude if location else None,
        longitude=location.longitude if location else None,
    )
    if notify and to_status in NOTIFY_ON:
        notifications_enqueue(
            order=current, event=NOTIFY_ON[to_status], order_event=event, new_event=True
        )
    after_commit_status_changed(current, from_status, to_status)
    return current


def _check_courier(order: Order, courier: StaffMember) -> None:
    if courier.company_id != order.company_id or courier.role != Role.COURIER:
        raise OrderError(_("%(person)s is not a courier of this company.") % {"person": courier})
    if not courier.is_active:
        raise OrderError(_("%(person)s is no longer active.") % {"person": courier})
    skills = set(courier.skills or [])
    for line in order.lines.select_related("product"):
        needed = line.product.required_skill
        if needed and needed not in skills:
            raise OrderError(
                _("%(product)s needs a courier with the skill “%(skill)s”.")
                % {"product": line.product, "skill": line.product.get_required_skill_display()}
            )


@transaction.atomic
def order_assign(*, order: Order, courier: StaffMember, actor: Actor, note: str = "") -> Order:
    """Give the order to a courier (or to another one)."""
    current = order_lock(order)
    if not can_move(current.status, OrderStatus.ASSIGNED):
        raise illegal(current, OrderStatus.ASSIGNED)
    _check_courier(current, courier)
    if current.courier_id == courier.pk and current.status == OrderStatus.ASSIGNED:
        return current
    return _move(
        current,
        OrderStatus.ASSIGNED,
        actor=actor,
        note=note,
        locked=True,
        courier=courier,
        fail_reason="",
    )


@transaction.atomic
def order_unassign(*, order: Order, actor: Actor, note: str = "") -> Order:
    """Put an assigned order back in the pool."""
    current = order_lock(order)
    if current.status != OrderStatus.ASSIGNED:
        raise illegal(current, OrderStatus.PENDING)
    return _move(
        current,
        OrderStatus.PENDING,
        actor=actor,
        note=note,
        notify=False,
        locked=True,
        courier=None,
    )


@transaction.atomic
def order_start_delivery(*, order: Order, actor: Actor, location: Location | None = None) -> Order:
    """The courier leaves with the goods."""
    return _move(order, OrderStatus.OUT_FOR_DELIVERY, actor=actor, location=location)


@transaction.atomic
def order_fail(
    *,
    order: Order,
    reason: str,
    actor: Actor,
    note: str = "",
    location: Location | None = None,
) -> Order:
    if reason not in FailReason.values:
        raise OrderError(_("Choose why the delivery failed."))
    if reason == FailReason.OTHER and not note.strip():
        raise OrderError(_("Say what went wrong."))
    return _move(
        order,
        OrderStatus.FAILED,
        actor=actor,
        reason=reason,
        note=note,
        location=location,
        fail_reason=reason,
    )


@transaction.atomic
def order_reschedule(
    *,
    order: Order,
    window_start: datetime,
    window_end: datetime,
    actor: Actor,
    note: str = "",
) -> Order:
    """Give the order a new window; a failed order goes back into the pool."""
    if window_end <= window_start:
        raise OrderError(_("The delivery window must end after it starts."))
    if window_end <= timezone.now():
        raise OrderError(_("The delivery window has already passed."))
    locked = order_lock(order)
    window: dict[str, Any] = {
        "window_start": window_start,
        "window_end": window_end,
        "eta_start": None,
        "eta_end": None,
    }
    if locked.status == OrderStatus.FAILED:
        return _move(
            locked, OrderStatus.PENDING, actor=actor, note=note, locked=True, courier=None, **window
        )
    if locked.status not in (OrderStatus.PENDING, OrderStatus.ASSIGNED):
        raise illegal(locked, OrderStatus.PENDING)
    for name, value in window.items():
        setattr(locked, name, value)
    locked.save()
    OrderEvent.objects.create(
        company_id=locked.company_id,
        order=locked,
        actor=actor.user,
        actor_label=actor.label,
        from_status=locked.status,
        to_status=locked.status,
        note=note.strip() or _("Rescheduled"),
        courier=locked.courier,
    )
    return locked


@transaction.atomic
def order_cancel(*, order: Order, reason: str, actor: Actor, note: str = "") -> Order:
    if reason not in CancelReason.values:
        raise OrderError(_("Choose why the order is cancelled."))
    if reason == CancelReason.OTHER and not note.strip():
        raise OrderError(_("Say why the order is cancelled."))
    return _move(
        order, OrderStatus.CANCELLED, actor=actor, reason=reason, note=note, cancel_reason=reason
    )
