"""Changing what an open order brings (the customer wants something else)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from apps.orders.errors import OrderError
from apps.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from apps.orders.pricing import LineRequest, order_quote
from apps.orders.services.intake import check_lines, lines_write
from apps.orders.services.lifecycle import Actor, order_lock

AMENDABLE = (OrderStatus.PENDING, OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY)


def _summary(lines: Sequence[OrderLine]) -> str:
    return ", ".join(f"{line.product} × {line.quantity}" for line in lines)


@transaction.atomic
def order_lines_change(
    *, order: Order, lines: Sequence[LineRequest], actor: Actor, note: str = ""
) -> Order:
    """Replace the order's lines and price it again; refused once it is delivered or closed.

    A line without its own unit price is priced from the catalogue as on the day
    the order was taken; the deposit already agreed stays as it was.
    """
    locked = order_lock(order)
    if locked.status not in AMENDABLE:
        raise OrderError(
            _("Order %(number)s is %(status)s; its products can no longer change.")
            % {"number": locked.number, "status": locked.get_status_display()}
        )
    check_lines(locked.company, lines)
    quote = order_quote(
        customer=locked.customer,
        address=locked.address,
        lines=lines,
        on=locked.created_at.date(),
    )
    before = _summary(list(locked.lines.select_related("product")))
    locked.lines.all().delete()
    rows = lines_write(locked, quote)
    locked.goods_fen = quote.goods_fen
    locked.surcharge_fen = quote.surcharge_fen
    locked.total_fen = quote.goods_fen + quote.surcharge_fen + locked.deposit_fen
    locked.save(update_fields=["goods_fen", "surcharge_fen", "total_fen"])
    after = _summary(rows)
    OrderEvent.objects.create(
        company_id=locked.company_id,
        order=locked,
        actor=actor.user,
        actor_label=actor.label,
        from_status=locked.status,
        to_status=locked.status,
        reason="lines",
        note=(
            note.strip()
            or _("Products changed: %(before)s → %(after)s") % {"before": before, "after": after}
        )[:300],
        courier=locked.courier,
    )
    return locked
