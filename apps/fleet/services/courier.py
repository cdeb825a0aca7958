"""What a courier records on his phone: the load-out, and each action at a stop.

Every stop action arrives as a :class:`StopAction` with the key the phone gave
it. A key already seen returns the first outcome and records nothing again, so
a phone may resend its queue as often as the signal forces it to. An action
that cannot be recorded because the order changed meanwhile (reassigned,
cancelled) is kept as a conflict for the courier to see, never dropped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.catalog.models import Product
from apps.fleet.forms.courier import ChangeForm, DeliveryRecordForm, ProblemForm
from apps.fleet.models import (
    CourierAction,
    CourierActionKind,
    CourierActionOutcome,
    DeliveryPhoto,
    HandoverConfirmation,
    Shift,
)
from apps.fleet.photos import photo_public_url, photo_store
from apps.fleet.selectors.courier import courier_products
from apps.fleet.services.grab import order_decline
from apps.fleet.services.positions import PositionData, positions_record_batch
from apps.fleet.services.setup import shift_start
from apps.ledger.errors import LedgerError
from apps.ledger.services import stock_load
from apps.orders.errors import OrderError
from apps.orders.models import Order, OrderStatus
from apps.orders.pricing import LineRequest
from apps.orders.services.amend import order_lines_change
from apps.orders.services.lifecycle import (
    Actor,
    Location,
    order_fail,
    order_lock,
    order_start_delivery,
)
from apps.orders.services.settlement import order_deliver
from apps.org.models import StaffMember

K = CourierActionKind


@dataclass(frozen=True)
class StopAction:
    """One tap of the courier at a stop, as the phone sends it."""

    key: str
    kind: str
    order_id: int
    payload: Mapping[str, Any] = field(default_factory=dict)
    occurred_at: datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None

    def location(self) -> Location:
        return Location(latitude=self.latitude, longitude=self.longitude, at=self.occurred_at)


@dataclass(frozen=True)
class ActionResult:
    key: str
    outcome: str
    message: str = ""
    order_status: str = ""
    change_fen: int = 0

    @property
    def applied(self) -> bool:
        return self.outcome == CourierActionOutcome.APPLIED


class ActionRefused(Exception):
    """The action's own input is wrong (the courier can fix it and try again)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- the load-out --------------------------------------------------------------------


@transaction.atomic
def shift_start_with_load(
    *, shift: Shift, load: Mapping[Product, int], user: Any, now: datetime | None = None
) -> Shift:
    """Start the shift and take the goods on board from the depot (stock moves in the ledger)."""
    started = shift_start(shift=shift, now=now)
    for product, quantity in load.items():
        if quantity <= 0:
            continue
        stock_load(
            company=shift.company,
            key=f"shift:{shift.pk}:load:{product.pk}",
            depot=shift.depot,
            courier=shift.courier,
            product=product,
            quantity=quantity,
            created_by=user,
            occurred_at=started.started_at,
        )
    return started


# --- actions at a stop ----------------------------------------------------------------


def courier_action_apply(
    *, courier: StaffMember, action: StopAction, user: Any, keep_refusal: bool = True
) -> ActionResult:
    """Record ``action`` once; see the module's docstring.

    ``keep_refusal``: an action sent from the phone's queue that cannot be recorded
    is kept for the courier to see; a form he is looking at shows the message instead.
    """
    if action.kind not in K.values:
        return ActionResult(action.key, CourierActionOutcome.REFUSED, _("Unknown action."))
    seen = _seen(courier, action.key)
    if seen is not None:
        return seen
    order = Order.objects.filter(company_id=courier.company_id, pk=action.order_id).first()
    if order is None:
        return ActionResult(action.key, CourierActionOutcome.REFUSED, _("No such order."))
    _record_position(courier, action)
    try:
        with transaction.atomic():
            result = _apply(courier, order, action, user)
            _store(courier, order, action, result)
            return result
    except IntegrityError:
        seen = _seen(courier, action.key)
        if seen is None:
            raise
        return seen
    except (ActionRefused, OrderError, LedgerError, ValidationError) as error:
        message = getattr(error, "message", None) or " ".join(getattr(error, "messages", []))
        return _not_applied(courier, order, action, message, keep=keep_refusal)


def _seen(courier: StaffMember, key: str) -> ActionResult | None:
    row = CourierAction.objects.filter(courier=courier, key=key).select_related("order").first()
    if row is None:
        return None
    return ActionResult(
        row.key,
        row.outcome,
        row.message,
        row.order.status,
        int((row.payload or {}).get("change_fen", 0)),
    )


def _record_position(courier: StaffMember, action: StopAction) -> None:
    if action.latitude is None or action.longitude is None:
        return
    # A position the phone got wrong never stops the action being recorded.
    with contextlib.suppress(ValidationError):
        positions_record_batch(
            courier=courier,
            positions=[
                PositionData(
                    latitude=action.latitude,
                    longitude=action.longitude,
                    recorded_at=action.occurred_at or timezone.now(),
                )
            ],
        )


def _not_applied(
    courier: StaffMember, order: Order, action: StopAction, message: str, *, keep: bool
) -> ActionResult:
    order.refresh_from_db(fields=["status", "courier"])
    conflict = _conflict_message(courier, order)
    outcome = CourierActionOutcome.CONFLICT if conflict else CourierActionOutcome.REFUSED
    result = ActionResult(action.key, outcome, conflict or message, order.status)
    if keep or outcome == CourierActionOutcome.CONFLICT:
        try:
            with transaction.atomic():
                _store(courier, order, action, result)
        except IntegrityError:
            return _seen(courier, action.key) or result
    return result


def _conflict_message(courier: StaffMember, order: Order) -> str:
    if order.courier_id != courier.pk:
        return _("Order %(number)s was given to another courier meanwhile.") % {
            "number": order.number
        }
    if order.status == OrderStatus.CANCELLED:
        return _("Order %(number)s was cancelled meanwhile.") % {"number": order.number}
    return ""


def _store(courier: StaffMember, order: Order, action: StopAction, result: ActionResult) -> None:
    payload = {
        name: value
        for name, value in action.payload.items()
        if name not in ("photo", "signature")  # the pictures are kept as DeliveryPhoto rows
    }
    if result.change_fen:
        payload["change_fen"] = result.change_fen
    CourierAction.objects.create(
        company_id=courier.company_id,
        courier=courier,
        key=action.key,
        kind=action.kind,
        order=order,
        payload=payload,
        occurred_at=action.occurred_at or timezone.now(),
        outcome=result.outcome,
        message=result.message[:300],
    )


def _apply(courier: StaffMember, order: Order, action: StopAction, user: Any) -> ActionResult:
    """Apply under the order's row lock, so nobody reassigns it between the check and the write."""
    order = order_lock(order)
    conflict = _conflict_message(courier, order)
    if conflict:
        raise ActionRefused(conflict)
    return HANDLERS[action.kind](courier, order, action, Actor(user=user))


def _arrive(courier: StaffMember, order: Order, action: StopAction, actor: Actor) -> ActionResult:
    if order.status == OrderStatus.ASSIGNED:
        order = order_start_delivery(order=order, actor=actor, location=action.location())
    elif order.status != OrderStatus.OUT_FOR_DELIVERY:
        raise ActionRefused(
            _("Order %(number)s is %(status)s.")
            % {"number": order.number, "status": order.get_status_display()}
        )
    return ActionResult(action.key, CourierActionOutcome.APPLIED, "", order.status)


def _deliver(courier: StaffMember, order: Order, action: StopAction, actor: Actor) -> ActionResult:
    form = DeliveryRecordForm(data=action.payload, order=order)
    if not form.is_valid():
        raise ActionRefused(form.error_text())
    taken_at = action.occurred_at or timezone.now()
    proof = form.proof()
    for name, purpose, data_url in form.pictures():
        photo = photo_store(
            order=order, courier=courier, purpose=purpose, data_url=data_url, taken_at=taken_at
        )
        proof[name] = photo_public_url(photo)
    delivered = order_deliver(
        order=order,
        actor=actor,
        delivered=form.delivered(),
        payments=form.payments(),
        empties=form.empties(),
        proof=proof,
        location=action.location(),
        note=form.cleaned_data["note"],
    )
    return ActionResult(
        action.key, CourierActionOutcome.APPLIED, "", delivered.status, form.change_fen()
    )


def _fail(courier: StaffMember, order: Order, action: StopAction, actor: Actor) -> ActionResult:
    form = ProblemForm(data=action.payload)
    if not form.is_valid():
        raise ActionRefused(form.error_text())
    photo = form.cleaned_data.get("photo")
    if photo:
        photo_store(
            order=order,
            courier=courier,
            purpose=DeliveryPhoto.Purpose.PROBLEM,
            data_url=photo,
            taken_at=action.occurred_at or timezone.now(),
        )
    failed = order_fail(
        order=order,
        reason=form.cleaned_data["reason"],
        note=form.cleaned_data["note"],
        actor=actor,
        location=action.location(),
    )
    return ActionResult(action.key, CourierActionOutcome.APPLIED, "", failed.status)


def _change(courier: StaffMember, order: Order, action: StopAction, actor: Actor) -> ActionResult:
    """The customer wants other products or quantities: the order is changed and priced again."""
    form = ChangeForm(data=action.payload, order=order, products=courier_products(courier))
    if not form.is_valid():
        raise ActionRefused(form.error_text())
    chosen = form.chosen()
    missing = [
        p.name for p in chosen if p.required_skill and p.required_skill not in courier.skills
    ]
    if missing:
        raise ActionRefused(
            _("You may not deliver %(products)s: it needs a skill you do not have.")
            % {"products": ", ".join(missing)}
        )
    changed = order_lines_change(
        order=order,
        lines=[LineRequest(product, quantity) for product, quantity in chosen.items()],
        actor=actor,
        note=form.cleaned_data["note"],
    )
    return ActionResult(action.key, CourierActionOutcome.APPLIED, "", changed.status)


def _accept(courier: StaffMember, order: Order, action: StopAction, actor: Actor) -> ActionResult:
    if order.status not in (OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY):
        raise ActionRefused(_("Only an order given to you can be accepted."))
    return ActionResult(action.key, CourierActionOutcome.APPLIED, "", order.status)


def _hand_back(
    courier: StaffMember, order: Order, action: StopAction, actor: Actor
) -> ActionResult:
    returned = order_decline(
        order=order, courier=courier, note=str(action.payload.get("note", ""))[:200]
    )
    return ActionResult(action.key, CourierActionOutcome.APPLIED, "", returned.status)


HANDLERS: dict[str, Callable[[StaffMember, Order, StopAction, Actor], ActionResult]] = {
    K.ARRIVE: _arrive,
    K.DELIVER: _deliver,
    K.FAIL: _fail,
    K.CHANGE: _change,
    K.ACCEPT: _accept,
    K.HAND_BACK: _hand_back,
}


@transaction.atomic
def courier_conflicts_seen(*, courier: StaffMember) -> int:
    """The courier has read the actions that could not be recorded."""
    return (
        CourierAction.objects.filter(courier=courier, seen_at__isnull=True)
        .exclude(outcome=CourierActionOutcome.APPLIED)
        .update(seen_at=timezone.now())
    )


@transaction.atomic
def handover_confirm(*, courier: StaffMember, day: date, figures: Mapping[str, Any]) -> bool:
    """The courier confirms his figures for ``day``; only the first confirmation counts."""
    _row, created = HandoverConfirmation.objects.get_or_create(
        company_id=courier.company_id, courier=courier, day=day, defaults={"figures": dict(figures)}
    )
    return created
