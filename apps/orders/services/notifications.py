"""Customer messages about an order: written to the outbox, sent by a job.

1. ``notifications_enqueue`` runs inside the transaction that moved the order:
   it writes one ``Notification`` keyed by the order event, so the same event
   never makes two messages while an order assigned twice gets two, with its
   recipient, language and urgency. A customer who opted out or has no phone
   gets a ``skipped`` row saying why, with the text it would have had.
2. Quiet hours: a non-urgent message written during the company's quiet hours
   waits (``send_after``) until they end. Urgent means the delivery is
   happening now (out for delivery, failed at the door) or the order is due
   before the quiet hours end; everything else waits.
3. After commit a job calls ``notification_deliver``, which claims the row
   (row lock with skip_locked on PostgreSQL plus a short lease on
   ``send_after``, so two workers never send one message), renders the
   company's text (or the built-in one) in the customer's language on the
   first attempt and keeps it on the row, sends outside any transaction, and
   records the outcome: sent; or a retry with backoff; or failed after
   ``NOTIFICATION_MAX_ATTEMPTS`` attempts. Rendering there keeps its reads (the
   lines, the depot, the company's text) out of the transaction that moved the
   order; a message that waited for the quiet hours tells the order as it is
   when it leaves.
4. Every minute ``notifications_send_due`` hands due rows (quiet hours over,
   retries due, jobs lost in a crash) to jobs.

Delivery is at least once: a worker that dies between the provider's answer
and the write of the outcome makes one repeat possible.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.catalog.models import Product
from apps.core.money import format_yuan
from apps.core.phones import MOBILE_RE
from apps.core.rows import ModelInsert
from apps.customers.models import Customer
from apps.orders.errors import OrderError
from apps.orders.models import (
    FailReason,
    Notification,
    NotificationEvent,
    NotificationStatus,
    NotificationTemplate,
    Order,
    OrderEvent,
    OrderSettings,
    OrderStatus,
    PaymentIntent,
)
from apps.orders.notifications.channels import (
    ChannelError,
    OutgoingMessage,
    configured_channel_name,
    get_channel,
)
from apps.orders.notifications.placeholders import (
    SMS_PARAMETERS,
    default_text,
    render_text,
    validate_template_text,
)
from apps.orders.notifications.quiet_hours import quiet_until
from apps.orders.public import (
    courier_masked_phone,
    courier_public_name,
    delivered_amount_fen,
    eta_text,
    format_window,
    next_step_text,
    products_summary,
    reason_label,
    station_phone,
    tracking_url,
)
from apps.orders.selectors import order_settings_for
from apps.org.models import Company

logger = logging.getLogger("apps.orders.notifications")

URGENT_EVENTS = frozenset({NotificationEvent.OUT_FOR_DELIVERY, NotificationEvent.FAILED})
# A message about something this old is no use to the customer (e.g. imported history).
STALE_AFTER = timedelta(hours=24)
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)
# How long a claimed or dispatched row is left alone; longer than any HTTP timeout.
LEASE = timedelta(minutes=5)
SWEEP_BATCH = 500
LANGUAGES = {code for code, _name in settings.LANGUAGES}

NOTIFICATION_INSERT = ModelInsert(Notification)  # a message for every order event


def _quiet_end(
    company_id: int, moment: datetime, row: OrderSettings | None = None
) -> datetime | None:
    row = row or order_settings_for(Company(pk=company_id))
    return quiet_until(moment, start=row.quiet_hours_start, end=row.quiet_hours_end)


def customer_language(customer: Customer) -> str:
    return customer.language if customer.language in LANGUAGES else settings.LANGUAGE_CODE


def customer_phone(customer: Customer) -> str:
    """The number messages go to: the first mobile, primary first; else the primary phone."""
    numbers = [phone.number for phone in customer.phones.all()]
    return next((n for n in numbers if MOBILE_RE.match(n)), numbers[0] if numbers else "")


def message_values(order: Order, order_event: OrderEvent | None = None) -> dict[str, str]:
    """The placeholder values for a message about ``order``, in the active language."""
    lines = list(order.lines.select_related("product"))
    courier = order.courier
    if order_event is not None and order_event.courier_id:
        courier = order_event.courier
    status = order_event.to_status if order_event else order.status
    reason = order_event.reason if order_event else (order.fail_reason or order.cancel_reason)
    return {
        "customer": order.customer.name,
        "order": order.number,
        "products": products_summary(lines),
        "window": format_window(order.window_start, order.window_end),
        "eta": eta_text(order),
        "courier": courier_public_name(courier),
        "courier_phone": courier_masked_phone(courier) or station_phone(order),
        "amount": format_yuan(delivered_amount_fen(order, lines)),
        "payment": str(order.get_payment_intent_display()),
        "reason": reason_label(status, reason),
        "next_step": next_step_text(),
        "link": tracking_url(order),
        "company": order.company.name,
        "company_phone": station_phone(order),
    }


def sample_values(company: Company) -> dict[str, str]:
    """Made-up values for the owner's preview, in the active language."""
    today = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    start, end = today.replace(hour=14), today.replace(hour=16)
    product = Product.objects.filter(company=company, is_active=True).order_by("pk").first()
    product_name = product.name if product else _("18.9L bottled water")
    return {
        "customer": pgettext("sample customer", "Zhang San"),
        "order": "D0000123",
        "products": f"{product_name} × 2",
        "window": format_window(start, end),
        "eta": format_window(start.replace(minute=20), start.replace(minute=50)),
        "courier": _("Courier %(surname)s") % {"surname": pgettext("sample surname", "Wang")},
        "courier_phone": "139****1234",
        "amount": format_yuan(2 * (product.price_fen if product else 1800)),
        "payment": str(PaymentIntent.CASH.label),
        "reason": reason_label(OrderStatus.FAILED, FailReason.NOT_HOME),
        "next_step": next_step_text(),
        "link": f"{settings.SITE_URL.rstrip('/')}/t/…/",
        "company": company.name,
        "company_phone": company.phone,
    }


def render_message(*, company: Company, event: str, language: str, values: dict[str, str]) -> str:
    """The company's text for the event and language, else the built-in one; never raises."""
    with translation.override(language):
        template = NotificationTemplate.objects.filter(
            company=company, event=event, language=language
        ).first()
        if template is not None:
            try:
                return render_text(template.text, values)
            except ValidationError:
                logger.warning("Unusable message text %s; using the default", template.pk)
        return render_text(default_text(event), values)


def _skip_reason(customer: Customer, recipient: str, happened_at: datetime, now: datetime) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        if not customer.accepts_messages:
            return _("The customer asked not to receive order messages.")
        if not recipient:
            return _("The customer has no phone number.")
        if happened_at < now - STALE_AFTER:
            return _("This happened too long ago to tell the customer.")
    return ""


def send_later(notification_id: int, dispatched: datetime | None = None) -> None:
    from apps.core.jobs import job_enqueue

    job_enqueue(
        "apps.orders.tasks.notification_send",
        notification_id,
        dispatched.isoformat() if dispatched else None,
        task_name=f"notification-{notification_id}",
    )


def message_text(*, order: Order, event: str, language: str, order_event: OrderEvent | None) -> str:
    """The message about ``order_event`` of ``order``, written in ``language``."""
    with translation.override(language):
        values = message_values(order, order_event)
    return render_message(company=order.company, event=event, language=language, values=values)


def notifications_enqueue(
    *,
    order: Order,
    event: str,
    order_event: OrderEvent | None = None,
    new_event: bool = False,
    order_settings: OrderSettings | None = None,
) -> Notification:
    """Write the outbox row for ``event`` of ``order`` (in the caller's transaction).

    ``order_event`` is the event row that caused the message; its id makes the
    key, so calling this again for the same occurrence returns the same row.
    ``new_event``: the caller wrote ``order_event`` just now, so no message can
    have its key yet and none is looked for. ``order_settings``: the company's,
    when the caller has read them already (for the quiet hours).
    """
    if order_event is None:
        order_event = order.events.order_by("-pk").first()
    key = f"order:{order.pk}:{event}:{order_event.pk if order_event else 0}"
    if not new_event:
        existing = Notification.objects.filter(company_id=order.company_id, key=key).first()
        if existing is not None:
            return existing
    now = timezone.now()
    customer = order.customer
    language = customer_language(customer)
    recipient = customer_phone(customer)
    skip = _skip_reason(customer, recipient, order_event.at if order_event else now, now)
    # A message to be sent is written by the job that sends it (see _outgoing); one that
    # never will be is written now, for the outbox.
    text = ""
    if skip:
        text = message_text(order=order, event=event, language=language, order_event=order_event)
    quiet_end = _quiet_end(order.company_id, now, order_settings)
    urgent = event in URGENT_EVENTS or bool(quiet_end and order.window_start < quiet_end)
    notification = NOTIFICATION_INSERT.create(
        company_id=order.company_id,
        key=key,
        order=order,
        customer=customer,
        recipient=recipient,
        channel=configured_channel_name(),
        event=event,
        language=language,
        text=text,
        urgent=urgent,
        status=NotificationStatus.SKIPPED if skip else NotificationStatus.PENDING,
        last_error=skip,
        created_at=now,
        send_after=now if urgent or quiet_end is None else quiet_end,
    )
    if not skip and notification.send_after <= now:
        transaction.on_commit(partial(send_later, notification.pk))
    return notification


def _claim(notification_id: int, now: datetime, dispatched: datetime | None) -> Notification | None:
    due = Q(send_after__lte=now)
    if dispatched is not None:
        due |= Q(send_after=dispatched)
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(due, pk=notification_id, status=NotificationStatus.PENDING)
            .first()
        )
        if row is None:
            return None
        row.attempts += 1
        row.send_after = now + LEASE
        row.save(update_fields=["attempts", "send_after"])
    return row


def _order_event(row: Notification) -> OrderEvent | None:
    # The key is "order:<order id>:<event>:<order event id>" (see notifications_enqueue).
    occurrence = row.key.rsplit(":", 1)[-1]
    if row.order_id is None or not occurrence.isdigit():
        return None
    return (
        OrderEvent.objects.select_related("courier__user")
        .filter(pk=int(occurrence), order_id=row.order_id)
        .first()
    )


def _outgoing(row: Notification) -> OutgoingMessage:
    """The message to send; its text is written on the first attempt and kept for the outbox."""
    params: dict[str, str] = {}
    names = SMS_PARAMETERS.get(row.event, ())
    sms = row.channel.endswith("_sms")
    if row.order_id and (sms or not row.text):
        order = Order.objects.select_related("company", "customer", "depot", "courier__user").get(
            pk=row.order_id
        )
        with translation.override(row.language):
            values = message_values(order, _order_event(row))
        if not row.text:
            row.text = render_message(
                company=order.company, event=row.event, language=row.language, values=values
            )
            Notification.objects.filter(pk=row.pk).update(text=row.text)
        if sms:
            params = {name: values[name] for name in names}
    return OutgoingMessage(
        key=row.key, recipient=row.recipient, event=row.event, text=row.text, params=params
    )


def retry_delay(attempts: int) -> timedelta:
    return RETRY_DELAYS[min(max(attempts, 1), len(RETRY_DELAYS)) - 1]


def _record_failure(row: Notification, error: str, *, permanent: bool) -> str:
    now = timezone.now()
    pending = Notification.objects.filter(pk=row.pk, status=NotificationStatus.PENDING)
    if permanent or row.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        pending.update(status=NotificationStatus.FAILED, last_error=error[:500])
        return NotificationStatus.FAILED
    retry_at = now + retry_delay(row.attempts)
    if not row.urgent:
        retry_at = _quiet_end(row.company_id, retry_at) or retry_at
    pending.update(last_error=error[:500], send_after=retry_at)
    return NotificationStatus.PENDING


def notification_deliver(*, notification_id: int, dispatched: datetime | None = None) -> str:
    """Send one due message through its channel; returns the row's status afterwards.

    ``dispatched`` is the lease the sweep put on the row when it handed it to
    this job; without it only a due row (``send_after`` passed) is sent.
    """
    row = _claim(notification_id, timezone.now(), dispatched)
    if row is None:
        return ""
    try:
        message = _outgoing(row)
        get_channel(row.channel).send(message)
    except ChannelError as error:
        return _record_failure(row, str(error), permanent=error.permanent)
    except Exception as error:
        logger.exception("Message %s could not be sent", row.pk)
        return _record_failure(row, f"{type(error).__name__}: {error}", permanent=False)
    Notification.objects.filter(pk=row.pk, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return NotificationStatus.SENT


def notifications_send_due(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """Hand due messages to jobs (scheduled every minute); safe to run in parallel."""
    now = now or timezone.now()
    lease = now + LEASE
    with transaction.atomic():
        due = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=NotificationStatus.PENDING, send_after__lte=now)
            .order_by("send_after", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        Notification.objects.filter(pk__in=due).update(send_after=lease)
        for notification_id in due:
            transaction.on_commit(partial(send_later, notification_id, lease))
    return len(due)


@transaction.atomic
def notification_retry(*, notification: Notification) -> Notification:
    """Send a failed message again (the owner fixed the channel or the number)."""
    locked = Notification.objects.select_for_update().get(pk=notification.pk)
    if locked.status != NotificationStatus.FAILED:
        raise OrderError(_("Only a message that failed can be sent again."))
    locked.status = NotificationStatus.PENDING
    locked.attempts = 0
    locked.send_after = timezone.now()
    locked.save(update_fields=["status", "attempts", "send_after"])
    transaction.on_commit(partial(send_later, locked.pk))
    return locked


@transaction.atomic
def notification_template_save(
    *, company: Company, event: str, language: str, text: str
) -> NotificationTemplate:
    if event not in NotificationEvent.values or language not in LANGUAGES:
        raise OrderError(_("There is no such message."))
    validate_template_text(text)
    template, _created = NotificationTemplate.objects.update_or_create(
        company=company, event=event, language=language, defaults={"text": text.strip()}
    )
    return template


@transaction.atomic
def notification_template_reset(*, company: Company, event: str, language: str) -> None:
    """Go back to the built-in text."""
    NotificationTemplate.objects.filter(company=company, event=event, language=language).delete()


@transaction.atomic
def quiet_hours_set(*, company: Company, start: time, end: time) -> OrderSettings:
    row, _created = OrderSettings.objects.select_for_update().get_or_create(company=company)
    row.quiet_hours_start, row.quiet_hours_end = start, end
    row.save(update_fields=["quiet_hours_start", "quiet_hours_end"])
    return row


@dataclass(frozen=True)
class CustomerMessage:
    """A message about a customer's standing arrangement, written in the customer's language.

    ``customer`` comes with its phones at hand (``prefetch_related("phones")``).
    """

    customer: Customer
    key: str
    event: str
    text: str
    happened_at: datetime | None = None


def customer_messages_enqueue(*, company: Company, messages: Sequence[CustomerMessage]) -> int:
    """Write outbox rows not tied to one order (renewal, low balance…); returns how many are new.

    The key makes each message idempotent, as for order messages. The text is
    final (no template); quiet hours apply: none of these is urgent.
    """
    now = timezone.now()
    quiet_end = _quiet_end(company.pk, now)
    send_after = quiet_end or now
    taken = set(
        Notification.objects.filter(company=company, key__in=[m.key for m in messages]).values_list(
            "key", flat=True
        )
    )
    rows = []
    for message in messages:
        if message.key in taken:
            continue
        taken.add(message.key)
        recipient = customer_phone(message.customer)
        skip = _skip_reason(message.customer, recipient, message.happened_at or now, now)
        rows.append(
            Notification(
                company=company,
                key=message.key,
                customer=message.customer,
                recipient=recipient,
                channel=configured_channel_name(),
                event=message.event,
                language=customer_language(message.customer),
                text=message.text,
                status=NotificationStatus.SKIPPED if skip else NotificationStatus.PENDING,
                last_error=skip,
                created_at=now,
                send_after=send_after,
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if quiet_end is None:
        due = Notification.objects.filter(
            company=company, key__in=[row.key for row in rows], status=NotificationStatus.PENDING
        ).values_list("pk", flat=True)
        for pk in due:
            transaction.on_commit(partial(send_later, pk))
    return len(rows)
