"""Message texts the owner edits: ``{placeholder}`` names, validation, rendering, defaults.

Texts are owner-edited, so they are not Django templates (no tags, no attribute
access): only the plain names in :data:`PLACEHOLDERS` may appear in braces, and
``{{``/``}}`` stand for literal braces. A text is validated when it is saved;
rendering never raises (an unusable stored text falls back to the default).
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.orders.models import NotificationEvent

MAX_LENGTH = 500

PLACEHOLDERS: dict[str, Promise] = {
    "customer": _("the customer's name"),
    "order": _("the order number, e.g. D0000123"),
    "products": _("what is delivered, e.g. 18.9L water × 2"),
    "window": _("the promised delivery window"),
    "eta": _("the expected arrival (the window while there is no ETA)"),
    "courier": _("the courier as customers see him, e.g. 王师傅"),
    "courier_phone": _("the courier's masked phone, e.g. 139****1234"),
    "amount": _("the amount for the delivered goods"),
    "payment": _("how the order is paid"),
    "reason": _("why the delivery failed or the order was cancelled"),
    "next_step": _("what happens after a failed delivery"),
    "link": _("the tracking link"),
    "company": _("your company's name"),
    "company_phone": _("your station's phone"),
}

DEFAULT_TEXTS: dict[str, Promise] = {
    NotificationEvent.RECEIVED: _(
        "{company}: we have received your order {order} ({products}). Delivery: {window}. "
        "Track it: {link}"
    ),
    NotificationEvent.ASSIGNED: _(
        "{company}: {courier} ({courier_phone}) will deliver your order {order}, {window}. "
        "Track it: {link}"
    ),
    NotificationEvent.OUT_FOR_DELIVERY: _(
        "{company}: your order {order} is on its way with {courier} ({courier_phone}), "
        "arriving {eta}. Track it: {link}"
    ),
    NotificationEvent.DELIVERED: _(
        "{company}: your order {order} was delivered: {products}. Amount: {amount} ({payment}). "
        "Thank you!"
    ),
    NotificationEvent.FAILED: _(
        "{company}: we could not deliver your order {order}: {reason}. {next_step}"
    ),
    NotificationEvent.CANCELLED: _(
        "{company}: your order {order} was cancelled: {reason}. Questions? Call {company_phone}."
    ),
}

# The parameters an approved SMS template receives, in order (Tencent numbers them {1}, {2}…).
SMS_PARAMETERS: dict[str, tuple[str, ...]] = {
    NotificationEvent.RECEIVED: ("order", "window", "link"),
    NotificationEvent.ASSIGNED: ("order", "courier", "courier_phone", "link"),
    NotificationEvent.OUT_FOR_DELIVERY: ("order", "eta", "courier_phone", "link"),
    NotificationEvent.DELIVERED: ("order", "amount", "link"),
    NotificationEvent.FAILED: ("order", "reason", "company_phone"),
    NotificationEvent.CANCELLED: ("order", "reason", "company_phone"),
}


def _pieces(text: str) -> list[tuple[str, str | None]]:
    """Split a text into (literal, placeholder name) pairs; raise ValidationError if malformed."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise ValidationError(
            _("The braces do not match. Write {{ and }} for a brace that is not a placeholder."),
            code="braces",
        ) from None
    pieces: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in parsed:
        if name is None:
            pieces.append((literal, None))
            continue
        if spec or conversion or name not in PLACEHOLDERS:
            raise ValidationError(
                _("Unknown placeholder {%(name)s}. Use one of: %(names)s."),
                code="placeholder",
                params={
                    "name": f"{name}{'!' + conversion if conversion else ''}"
                    f"{':' + spec if spec else ''}",
                    "names": ", ".join(f"{{{known}}}" for known in PLACEHOLDERS),
                },
            )
        pieces.append((literal, name))
    return pieces


def validate_template_text(text: str) -> None:
    if not text.strip():
        raise ValidationError(_("Write the message."), code="required")
    if len(text) > MAX_LENGTH:
        raise ValidationError(
            _("Keep the message under %(limit)s characters."),
            code="max_length",
            params={"limit": MAX_LENGTH},
        )
    _pieces(text)


def render_text(text: str, values: Mapping[str, str]) -> str:
    """Fill the placeholders; raises ValidationError for a text that does not validate."""
    return "".join(
        literal + (values.get(name, "") if name else "") for literal, name in _pieces(text)
    )


def default_text(event: str) -> str:
    """The built-in text for ``event`` in the active language."""
    return str(DEFAULT_TEXTS[event])
