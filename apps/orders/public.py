"""What a customer may see about an order, worded for the customer.

Messages and the public tracking page both speak through these helpers, in the
active language (callers wrap them in ``translation.override(customer.language)``).
They show a courier as "王师傅" with a masked phone and never expose the
customer's own phone, address or other orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.crypto import salted_hmac
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

from apps.core.money import format_yuan
from apps.core.phones import mask_phone
from apps.orders.models import CancelReason, FailReason, Order, OrderEvent, OrderLine, OrderStatus
from apps.orders.positions import CourierPosition, courier_position
from apps.org.models import StaffMember

COMPOUND_SURNAMES = {
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
    "长孙", "宇文", "司徒", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里",
}  # fmt: skip


def _is_chinese(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def courier_public_name(courier: StaffMember | None) -> str:
    """The courier as customers see him: "王师傅" (zh), "Courier Wang" (en); the surname only."""
    if courier is None:
        return ""
    name = (courier.user.first_name or courier.user.last_name or "").strip()
    if not name:
        return _("Your courier")
    if _is_chinese(name[0]):
        surname = name[:2] if name[:2] in COMPOUND_SURNAMES else name[0]
        if not (get_language() or "").startswith("zh"):
            surname = "".join(lazy_pinyin(surname)).capitalize()
        return _("Courier %(surname)s") % {"surname": surname}
    return name.split()[0]


def courier_masked_phone(courier: StaffMember | None) -> str:
    if courier is None or not courier.user.mobile:
        return ""
    return mask_phone(courier.user.mobile)


def station_phone(order: Order) -> str:
    """The number a customer calls: the depot's, else the company's (a courier's stays private)."""
    if order.depot is not None and order.depot.phone:
        return order.depot.phone
    return order.company.phone


def format_moment(moment: datetime) -> str:
    local = timezone.localtime(moment)
    day = dateformat.format(local, pgettext("month and day", "F j"))
    return f"{day} {local:%H:%M}"


def format_window(start: datetime | None, end: datetime | None) -> str:
    """An absolute window ("3月5日 14:00–16:00"): messages may be read on another day."""
    if start is None or end is None:
        return ""
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    if local_start.date() != local_end.date():
        return f"{format_moment(start)}–{format_moment(end)}"
    return f"{format_moment(start)}–{local_end:%H:%M}"


def eta_text(order: Order) -> str:
    if order.eta_start and order.eta_end:
        return format_window(order.eta_start, order.eta_end)
    return format_window(order.window_start, order.window_end)


def _quantity(line: OrderLine) -> int:
    return line.quantity if line.delivered_quantity is None else line.delivered_quantity


def products_summary(lines: Iterable[OrderLine]) -> str:
    parts = [f"{line.product.name} × {_quantity(line)}" for line in lines if _quantity(line)]
    return pgettext("list separator", ", ").join(parts)


def delivered_amount_fen(order: Order, lines: Iterable[OrderLine]) -> int:
    """What the customer paid for: the delivered units at the order's prices, plus deposits."""
    lines = list(lines)
    if all(line.delivered_quantity in (None, line.quantity) for line in lines):
        return order.total_fen
    goods = sum(
        _quantity(line) * (line.unit_price_fen + line.surcharge_fen // line.quantity)
        for line in lines
    )
    delivered_units = sum(_quantity(line) for line in lines)
    ordered_units = sum(line.quantity for line in lines) or 1
    return goods + order.deposit_fen * min(delivered_units, ordered_units) // ordered_units


# Reasons as the customer reads them (the staff labels speak of "the customer").
FAIL_REASONS = {
    FailReason.NOT_HOME: gettext_lazy("nobody was home"),
    FailReason.PHONE_OFF: gettext_lazy("we could not reach you by phone"),
    FailReason.WRONG_ADDRESS: gettext_lazy("we could not find the address"),
    FailReason.REFUSED: gettext_lazy("the delivery was refused"),
    FailReason.DAMAGED: gettext_lazy("the goods were damaged"),
    FailReason.OUT_OF_STOCK: gettext_lazy("the goods are out of stock"),
    FailReason.OTHER: gettext_lazy("a problem on the way"),
}
CANCEL_REASONS = {
    CancelReason.CHANGED_MIND: gettext_lazy("at your request"),
    CancelReason.DUPLICATE: gettext_lazy("it was a duplicate order"),
    CancelReason.NO_STOCK: gettext_lazy("the goods are out of stock"),
    CancelReason.OUT_OF_AREA: gettext_lazy("the address is outside our delivery area"),
    CancelReason.NOT_REACHABLE: gettext_lazy("we could not reach you"),
    CancelReason.PLATFORM: gettext_lazy("it was cancelled on the ordering platform"),
    CancelReason.OTHER: gettext_lazy("please call us for details"),
}


def reason_label(status: str, reason: str) -> str:
    reasons = FAIL_REASONS if status == OrderStatus.FAILED else CANCEL_REASONS
    label = reasons.get(reason)  # type: ignore[call-overload]
    return str(label) if label is not None else ""


def next_step_text() -> str:
    return _("We will call you to arrange a new delivery time.")


def delivery_code(order: Order) -> str:
    """Four digits the customer reads out to the courier to confirm the delivery."""
    digest = salted_hmac(
        "songda.delivery-code", f"{order.company_id}:{order.pk}", algorithm="sha256"
    ).hexdigest()
    return f"{int(digest[:8], 16) % 10000:04d}"


def tracking_url(order: Order) -> str:
    path = reverse("tracking:page", kwargs={"token": order.tracking_token})
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def event_label(event: OrderEvent) -> str:
    """One line of the customer's timeline, or "" for events a customer need not see."""
    if event.from_status == event.to_status:
        return ""
    if event.to_status == OrderStatus.PENDING:
        if not event.from_status:
            return _("Order received")
        if event.from_status == OrderStatus.FAILED:
            return _("Rescheduled")
        return _("Waiting for a courier")
    labels = {
        OrderStatus.ASSIGNED: _("Courier assigned"),
        OrderStatus.OUT_FOR_DELIVERY: _("On the way"),
        OrderStatus.DELIVERED: _("Delivered"),
        OrderStatus.FAILED: _("Delivery failed"),
        OrderStatus.CANCELLED: _("Cancelled"),
    }
    return str(labels.get(OrderStatus(event.to_status), ""))


def order_for_tracking(token: str) -> Order | None:
    """The order behind a live tracking link; None for unknown, revoked or expired links."""
    order = (
        Order.objects.select_related("company", "depot", "courier__user", "customer")
        .filter(tracking_token=token)
        .first()
    )
    if order is None or order.tracking_revoked_at is not None:
        return None
    expires = order.tracking_expires_at()
    if expires is not None and expires <= timezone.now():
        return None
    return order


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done", "current" or "todo"


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: str
    detail: str


@dataclass(frozen=True)
class TrackingPage:
    """Everything the public page shows, already worded; nothing else about the customer."""

    company: str
    number: str
    status: str
    headline: str
    detail: str
    steps: list[Step]
    window: str
    eta: str
    courier_name: str
    courier_phone: str
    call_number: str
    products: str
    amount: str
    timeline: list[TimelineEntry]
    proof_photo: str = ""
    proof_signature: str = ""
    proof_code: bool = False
    code: str = ""
    position: CourierPosition | None = None

    @property
    def live(self) -> bool:
        """Worth refreshing: anything but a delivered or cancelled order may still change."""
        return self.status not in (OrderStatus.DELIVERED, OrderStatus.CANCELLED)


PROGRESS = (
    OrderStatus.PENDING,
    OrderStatus.ASSIGNED,
    OrderStatus.OUT_FOR_DELIVERY,
    OrderStatus.DELIVERED,
)


def _steps(status: str) -> list[Step]:
    labels = [_("Received"), _("Courier assigned"), _("On the way"), _("Delivered")]
    if status not in PROGRESS:
        return []
    current = PROGRESS.index(OrderStatus(status))
    return [
        Step(str(label), "done" if i < current else "current" if i == current else "todo")
        for i, label in enumerate(labels)
    ]


def _safe_url(value: object) -> str:
    url = str(value or "")
    if url.startswith(("https://", "http://")) or (url.startswith("/") and url[1:2] != "/"):
        return url
    return ""


def _headline(order: Order, courier: str, reason: str) -> tuple[str, str]:
    window = format_window(order.window_start, order.window_end)
    status = order.status
    if status == OrderStatus.ASSIGNED:
        return _("A courier has your order"), _("%(courier)s will deliver it %(window)s.") % {
            "courier": courier,
            "window": window,
        }
    if status == OrderStatus.OUT_FOR_DELIVERY:
        return _("Your order is on its way"), _("Expected %(eta)s.") % {"eta": eta_text(order)}
    if status == OrderStatus.DELIVERED:
        moment = format_moment(order.delivered_at or order.status_changed_at)
        return _("Delivered"), _("Delivered %(moment)s. Thank you!") % {"moment": moment}
    if status == OrderStatus.FAILED:
        detail = _("%(reason)s. %(next_step)s") % {
            "reason": capfirst(reason),
            "next_step": next_step_text(),
        }
        return _("We could not deliver your order"), detail
    if status == OrderStatus.CANCELLED:
        return _("This order was cancelled"), _("%(reason)s.") % {"reason": capfirst(reason)}
    return _("We have your order"), _("It will be delivered %(window)s.") % {"window": window}


def _timeline(order: Order) -> list[TimelineEntry]:
    entries = []
    for event in order.events.all():
        label = event_label(event)
        if label:
            detail = capfirst(reason_label(event.to_status, event.reason)) if event.reason else ""
            entries.append(TimelineEntry(event.at, label, detail))
    return list(reversed(entries))


def tracking_page(order: Order) -> TrackingPage:
    """Build the page in the active language (the customer's)."""
    lines = list(order.lines.select_related("product"))
    status = order.status
    shows_courier = status in (OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY)
    courier = order.courier if shows_courier or status == OrderStatus.DELIVERED else None
    courier_name = courier_public_name(courier)
    reason = reason_label(status, order.fail_reason or order.cancel_reason)
    headline, detail = _headline(order, courier_name, reason)
    proof = order.proof if status == OrderStatus.DELIVERED and isinstance(order.proof, dict) else {}
    delivered = status == OrderStatus.DELIVERED
    return TrackingPage(
        company=order.company.name,
        number=order.number,
        status=status,
        headline=str(headline),
        detail=str(detail),
        steps=_steps(status),
        window=format_window(order.window_start, order.window_end),
        eta=eta_text(order) if order.eta_start and order.is_open else "",
        courier_name=courier_name,
        courier_phone=courier_masked_phone(courier) if shows_courier else "",
        call_number=station_phone(order) if order.is_open or status == OrderStatus.FAILED else "",
        products=products_summary(lines),
        amount=format_yuan(delivered_amount_fen(order, lines) if delivered else order.total_fen),
        timeline=_timeline(order),
        proof_photo=_safe_url(proof.get("photo")),
        proof_signature=_safe_url(proof.get("signature")),
        proof_code=bool(proof.get("code")),
        code=delivery_code(order) if order.is_open else "",
        position=courier_position(order) if status == OrderStatus.OUT_FOR_DELIVERY else None,
    )
