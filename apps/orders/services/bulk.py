"""Many orders at once, for callers that have validated and priced them already (daily generation).

``orders_bulk_create`` writes orders, lines and their "created" events with a
few statements per chunk instead of ~16 per order. It keeps the invariants of
``order_create`` that matter for such orders: one order per (company, channel,
external id) — an order already in the pool is left as it is and not returned —
a window that ends after it starts, prices copied onto the lines, totals that
add up, and the event log's first row.

What it does not do, on purpose: it computes no catalogue quote (the caller
passes the agreed unit prices: a subscription's price includes everything, no
carry-up surcharge and no deposit), it writes no "order received" message (a
standing order's customer expects it), and it sends no per-order
``order_status_changed``: these are orders for a coming day that route
planning takes per depot and slot, not one by one as they arrive, and a
hundred thousand after-commit signals (each enqueueing a dispatch job) would
cost more than the whole generation. Callers that need creation signals use
``order_create``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db import connection, transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.customers.models import Customer
from apps.orders.errors import OrderError
from apps.orders.models import Order, OrderChannel, OrderEvent, OrderLine, OrderStatus
from apps.orders.models.orders import new_tracking_token
from apps.org.models import Company

CHUNK = 5000


@dataclass(frozen=True)
class BulkLine:
    product_id: int
    quantity: int
    unit_price_fen: int


@dataclass(frozen=True)
class BulkOrder:
    customer_id: int
    address_id: int
    depot_id: int | None
    external_id: str
    window_start: datetime
    window_end: datetime
    payment_intent: str
    lines: tuple[BulkLine, ...]
    notes: str = ""

    @property
    def total_fen(self) -> int:
        return sum(line.quantity * line.unit_price_fen for line in self.lines)


def _check(draft: BulkOrder) -> None:
    if not draft.external_id:
        raise OrderError(_("A generated order needs its external order number."))
    if not draft.lines or any(line.quantity <= 0 for line in draft.lines):
        raise OrderError(
            _("Order %(external_id)s needs at least one product.")
            % {"external_id": draft.external_id}
        )
    if draft.window_end <= draft.window_start:
        raise OrderError(_("The delivery window must end after it starts."))


def _chunks(items: Sequence[BulkOrder], size: int) -> list[list[BulkOrder]]:
    iterator = iter(items)
    result = []
    while chunk := list(islice(iterator, size)):
        result.append(chunk)
    return result


def _taken(company: Company, channel: str, chunk: list[BulkOrder]) -> set[str]:
    numbers = [d.external_id for d in chunk]
    if connection.vendor == "postgresql":  # one array parameter instead of thousands
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT external_id FROM {Order._meta.db_table} "
                "WHERE company_id = %s AND channel = %s AND external_id = ANY(%s)",
                [company.pk, channel, numbers],
            )
            return {row[0] for row in cursor.fetchall()}
    return set(
        Order.objects.filter(company=company, channel=channel, external_id__in=numbers).values_list(
            "external_id", flat=True
        )
    )


def _touch_customers(ids: set[int], now: datetime) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Customer._meta.db_table} SET last_order_at = %s "
                "WHERE id = ANY(%s) AND (last_order_at IS NULL OR last_order_at < %s)",
                [now, list(ids), now],
            )
        return
    Customer.objects.filter(pk__in=ids).filter(
        Q(last_order_at__isnull=True) | Q(last_order_at__lt=now)
    ).update(last_order_at=now)


def _insert_with_orm(
    company: Company, channel: str, drafts: list[BulkOrder], now: datetime, note: str, label: str
) -> list[int]:
    rows = Order.objects.bulk_create(_orders(company, channel, drafts, now))
    by_external = {draft.external_id: draft for draft in drafts}
    OrderLine.objects.bulk_create(
        OrderLine(
            order_id=row.pk,
            product_id=line.product_id,
            quantity=line.quantity,
            unit_price_fen=line.unit_price_fen,
        )
        for row in rows
        for line in by_external[row.external_id].lines
    )
    OrderEvent.objects.bulk_create(
        OrderEvent(
            company=company,
            order_id=row.pk,
            at=now,
            actor_label=label,
            to_status=OrderStatus.PENDING,
            note=note,
        )
        for row in rows
    )
    return [row.pk for row in rows]


def _columns(model: type[Model], names: Sequence[str]) -> str:
    fields = {field.name: str(field.column) for field in model._meta.concrete_fields}
    return ", ".join(fields[name] for name in names)


ORDER_COLUMNS = (
    "id", "company", "customer", "address", "depot", "channel", "external_id", "status",
    "window_start", "window_end", "payment_intent", "notes", "goods_fen", "surcharge_fen",
    "deposit_fen", "deposit_containers", "total_fen", "fail_reason", "cancel_reason", "proof",
    "tracking_token", "created_at", "status_changed_at",
)  # fmt: skip
LINE_COLUMNS = ("order", "product", "quantity", "unit_price_fen", "surcharge_fen")
EVENT_COLUMNS = (
    "company", "order", "at", "actor_label", "from_status", "to_status", "reason", "note",
)  # fmt: skip


def _insert_with_copy(
    company: Company, channel: str, drafts: list[BulkOrder], now: datetime, note: str, label: str
) -> list[int]:
    """PostgreSQL: ids taken from the sequence, then one COPY per table (no per-row SQL)."""
    table = Order._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(drafts)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        with cursor.copy(f"COPY {table} ({_columns(Order, ORDER_COLUMNS)}) FROM STDIN") as copy:
            for pk, d in zip(ids, drafts, strict=True):
                copy.write_row((
                    pk, company.pk, d.customer_id, d.address_id, d.depot_id, channel,
                    d.external_id, OrderStatus.PENDING, d.window_start, d.window_end,
                    d.payment_intent, d.notes, d.total_fen, 0, 0, 0, d.total_fen, "", "", "{}",
                    new_tracking_token(), now, now,
                ))  # fmt: skip
        lines = OrderLine._meta.db_table
        with cursor.copy(f"COPY {lines} ({_columns(OrderLine, LINE_COLUMNS)}) FROM STDIN") as copy:
            for pk, d in zip(ids, drafts, strict=True):
                for line in d.lines:
                    copy.write_row((pk, line.product_id, line.quantity, line.unit_price_fen, 0))
        events = OrderEvent._meta.db_table
        with cursor.copy(
            f"COPY {events} ({_columns(OrderEvent, EVENT_COLUMNS)}) FROM STDIN"
        ) as copy:
            for pk in ids:
                copy.write_row((company.pk, pk, now, label, "", OrderStatus.PENDING, "", note))
    return ids


def _orders(company: Company, channel: str, drafts: list[BulkOrder], now: datetime) -> list[Order]:
    return [
        Order(
            company=company,
            customer_id=draft.customer_id,
            address_id=draft.address_id,
            depot_id=draft.depot_id,
            channel=channel,
            external_id=draft.external_id,
            window_start=draft.window_start,
            window_end=draft.window_end,
            payment_intent=draft.payment_intent,
            notes=draft.notes,
            goods_fen=draft.total_fen,
            total_fen=draft.total_fen,
            status_changed_at=now,
        )
        for draft in drafts
    ]


@transaction.atomic
def orders_bulk_create(
    *,
    company: Company,
    orders: Sequence[BulkOrder],
    channel: str = OrderChannel.SUBSCRIPTION,
    actor_label: str = "",
    chunk_size: int = CHUNK,
) -> list[int]:
    """Create the orders not in the pool yet; returns the new orders' ids.

    Callers make themselves single-flight per batch (two batches racing for one
    external id make the later one fail on the unique constraint and roll back).
    """
    for draft in orders:
        _check(draft)
    now = timezone.now()
    note = str(OrderChannel(channel).label)
    insert = _insert_with_copy if connection.vendor == "postgresql" else _insert_with_orm
    created: list[int] = []
    for chunk in _chunks(orders, chunk_size):
        taken = _taken(company, channel, chunk)
        fresh = [draft for draft in chunk if draft.external_id not in taken]
        if not fresh:
            continue
        created.extend(insert(company, channel, fresh, now, note, actor_label))
        _touch_customers({d.customer_id for d in fresh}, now)
    return created
