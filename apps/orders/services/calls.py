"""Calls announced by the phone system (来电弹屏): recorded so the dispatcher's screen can show them."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.phones import normalize_phone
from apps.customers.selectors.customers import customer_by_phone
from apps.orders.models import IncomingCall
from apps.org.models import Company


def caller_number(raw: str) -> str:
    """The stored form of a caller ID; a number Songda cannot read is kept as its digits."""
    try:
        return normalize_phone(raw)
    except ValidationError:
        digits = re.sub(r"\D", "", raw or "")
        if not 3 <= len(digits) <= 20:
            raise ValidationError(
                {"phone": _("“%(value)s” is not a phone number.") % {"value": raw}}
            ) from None
        return digits


@transaction.atomic
def call_record(*, company: Company, phone: str) -> IncomingCall:
    number = caller_number(phone)
    return IncomingCall.objects.create(
        company=company,
        phone=number,
        customer=customer_by_phone(company=company, number=number),
    )


@transaction.atomic
def call_mark_seen(*, call: IncomingCall) -> IncomingCall:
    """The dispatcher dealt with the call: it leaves the screen (for everyone)."""
    if call.seen_at is None:
        call.seen_at = timezone.now()
        IncomingCall.objects.filter(pk=call.pk, seen_at__isnull=True).update(seen_at=call.seen_at)
    return call
