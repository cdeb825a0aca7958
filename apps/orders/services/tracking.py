"""Notes in an order's history, and staff actions on its public tracking link (revoke, renew)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.orders.models import Order, OrderEvent, new_tracking_token
from apps.orders.services.lifecycle import Actor, order_lock


def order_note_add(*, order: Order, actor: Actor, note: str) -> OrderEvent:
    """A line in the order's history that changes nothing else (the status stays as it is)."""
    return OrderEvent.objects.create(
        company_id=order.company_id,
        order=order,
        actor=actor.user,
        actor_label=actor.label,
        from_status=order.status,
        to_status=order.status,
        note=note,
        courier=order.courier,
    )


@transaction.atomic
def order_tracking_revoke(*, order: Order, actor: Actor) -> Order:
    """The link stops working at once (a forwarded link, a complaint)."""
    locked = order_lock(order)
    if locked.tracking_revoked_at is None:
        locked.tracking_revoked_at = timezone.now()
        locked.save(update_fields=["tracking_revoked_at"])
        order_note_add(order=locked, actor=actor, note=_("Tracking link revoked"))
    return locked


@transaction.atomic
def order_tracking_renew(*, order: Order, actor: Actor) -> Order:
    """A new link replaces the old one, which stops working."""
    locked = order_lock(order)
    locked.tracking_token = new_tracking_token()
    locked.tracking_revoked_at = None
    locked.save(update_fields=["tracking_token", "tracking_revoked_at"])
    order_note_add(order=locked, actor=actor, note=_("New tracking link issued"))
    return locked
