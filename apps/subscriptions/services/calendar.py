"""Changes to a delivery calendar: skip, pause, resume, swap, quantity, extra, postpone.

Every change is a ``CalendarChange`` row (the log: who, when, through which
channel). A day can change until the company's cut-off the evening before
(Asia/Shanghai). A day whose order was generated already gets that order
changed too — its products replaced, or the order cancelled when nothing
comes any more — in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from apps.catalog.models import Product
from apps.orders.models import CancelReason, Order, OrderChannel, OrderStatus
from apps.orders.pricing import LineRequest
from apps.orders.services.amend import AMENDABLE, order_lines_change
from apps.orders.services.lifecycle import Actor, order_cancel
from apps.org.models import Company
from apps.subscriptions.errors import SubscriptionError
from apps.subscriptions.models import (
    CalendarChange,
    ChangeChannel,
    Subscription,
    SubscriptionStatus,
)
from apps.subscriptions.schedule import ChangeKind
from apps.subscriptions.selectors import (
    LOCAL,
    calendar_of,
    subscription_settings_for,
    units_for,
)
from apps.subscriptions.services.generation import external_id

MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class Who:
    """Who changes a calendar and through which door."""

    user: Any = None
    channel: str = ChangeChannel.BACK_OFFICE

    @property
    def actor(self) -> Actor:
        label = "" if self.user else str(ChangeChannel(self.channel).label)
        return Actor(user=self.user, label=label)


def first_changeable_day(company: Company, now: datetime | None = None) -> date:
    """Tomorrow until the cut-off today, the day after tomorrow after it."""
    local = timezone.localtime(now or timezone.now(), LOCAL)
    cutoff = subscription_settings_for(company).cutoff
    return local.date() + timedelta(days=1 if local.time() < cutoff else 2)


def check_cutoff(company: Company, day: date) -> None:
    first = first_changeable_day(company)
    if day < first:
        cutoff = subscription_settings_for(company).cutoff
        raise SubscriptionError(
            _(
                "%(day)s can no longer change: changes close at %(cutoff)s the evening before. "
                "The first day you can change is %(first)s."
            )
            % {
                "day": date_format(day, "SHORT_DATE_FORMAT"),
                "cutoff": time_format(cutoff, "H:i"),
                "first": date_format(first, "SHORT_DATE_FORMAT"),
            }
        )


def _lock(subscription: Subscription) -> Subscription:
    locked = (
        Subscription.objects.select_for_update()
        .select_related("plan", "company", "customer")
        .get(pk=subscription.pk)
    )
    if locked.status in (SubscriptionStatus.ENDED, SubscriptionStatus.CANCELLED):
        raise SubscriptionError(
            _("This subscription is %(status)s.") % {"status": locked.get_status_display()}
        )
    return locked


def _check_range(day: date, until: date | None) -> None:
    if until is not None and until < day:
        raise SubscriptionError(_("The last day must not be before the first day."))
    if until is not None and (until - day).days > MAX_RANGE_DAYS:
        raise SubscriptionError(_("A range can be at most a year long."))


def _sync_orders(subscription: Subscription, first: date, last: date, who: Who) -> None:
    """Bring orders already generated for these days in line with the calendar."""
    ids = [
        external_id(subscription.pk, first + timedelta(days=n))
        for n in range((last - first).days + 1)
    ]
    orders = Order.objects.filter(
        company_id=subscription.company_id,
        channel=OrderChannel.SUBSCRIPTION,
        external_id__in=ids,
        status__in=AMENDABLE,
    )
    if not orders:
        return
    planned = calendar_of(subscription, first, last)
    items = list(subscription.plan.items.all())
    products = {p.pk: p for p in Product.objects.filter(company_id=subscription.company_id)}
    for order in orders:
        day = date.fromisoformat(order.external_id.split(":", 1)[1])
        if day not in planned:
            if order.status in (OrderStatus.PENDING, OrderStatus.ASSIGNED):
                order_cancel(
                    order=order,
                    reason=CancelReason.CHANGED_MIND,
                    actor=who.actor,
                    note=_("Calendar changed"),
                )
            continue
        lines = [
            LineRequest(products[u.product_id], u.quantity, subscription.unit_price_fen)
            for u in units_for(items, subscription.quantity, planned[day])
        ]
        order_lines_change(order=order, lines=lines, actor=who.actor, note=_("Calendar changed"))


@transaction.atomic
def calendar_change(
    *,
    subscription: Subscription,
    kind: str,
    day: date,
    who: Who,
    until: date | None = None,
    quantity: int | None = None,
    product: Product | None = None,
    note: str = "",
    check: bool = True,
) -> CalendarChange:
    """Record one change and update the orders it touches. ``check=False``: the system's own."""
    locked = _lock(subscription)
    kind = ChangeKind(kind)
    _check_range(day, until)
    if check:
        check_cutoff(locked.company, day)
    if kind == ChangeKind.SWAP and (product is None or product.company_id != locked.company_id):
        raise SubscriptionError(_("Choose the product to deliver instead."))
    if kind == ChangeKind.QUANTITY and not quantity:
        raise SubscriptionError(_("The quantity must be at least 1."))
    if kind == ChangeKind.EXTRA and locked.rule().is_due(day):
        raise SubscriptionError(
            _("%(day)s is a delivery day already; change its quantity instead.") % {"day": day}
        )
    if kind == ChangeKind.PAUSE and until is None:
        raise SubscriptionError(_("Say until when the deliveries pause."))
    row = CalendarChange.objects.create(
        company_id=locked.company_id,
        subscription=locked,
        kind=kind,
        day=day,
        until=until,
        quantity=quantity,
        product=product,
        channel=who.channel,
        actor=who.user,
        note=note.strip()[:200],
    )
    last = until or day
    if kind == ChangeKind.RESUME:
        last = day + timedelta(days=MAX_RANGE_DAYS)
        _resume_status(locked)
    _sync_orders(locked, day, last, who)
    return row


def _resume_status(subscription: Subscription) -> None:
    if subscription.status == SubscriptionStatus.PAUSED:
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.pause_reason = ""
        subscription.paused_at = None
        subscription.save(update_fields=["status", "pause_reason", "paused_at"])


@transaction.atomic
def subscription_resume(*, subscription: Subscription, who: Who) -> Subscription:
    """Deliveries start again (after a balance pause: once it is topped up)."""
    locked = _lock(subscription)
    _resume_status(locked)
    return locked


@transaction.atomic
def company_pause(*, company: Company, day: date, until: date, who: Who, note: str = "") -> int:
    """Pause every active subscription of the company for a range (Spring Festival).

    One pause row per subscription, written in bulk; orders already generated
    for those days are cancelled.
    """
    _check_range(day, until)
    check_cutoff(company, day)
    active = list(
        Subscription.objects.select_for_update()
        .filter(company=company, status=SubscriptionStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    CalendarChange.objects.bulk_create(
        CalendarChange(
            company=company,
            subscription_id=pk,
            kind=ChangeKind.PAUSE,
            day=day,
            until=until,
            channel=who.channel,
            actor=who.user,
            note=note.strip()[:200],
        )
        for pk in active
    )
    _cancel_generated(company, day, until, who)
    return len(active)


def _cancel_generated(company: Company, day: date, until: date, who: Who) -> None:
    start = datetime.combine(day, time(0), tzinfo=LOCAL)
    end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=LOCAL)
    orders = Order.objects.filter(
        company=company,
        channel=OrderChannel.SUBSCRIPTION,
        window_start__gte=start,
        window_start__lt=end,
        status__in=(OrderStatus.PENDING, OrderStatus.ASSIGNED),
    )
    for order in orders:
        order_cancel(
            order=order,
            reason=CancelReason.CHANGED_MIND,
            actor=who.actor,
            note=_("Calendar changed"),
        )
