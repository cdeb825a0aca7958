"""Chinese phone numbers: validation and one normalised form for storage and search.

Mobiles are stored as eleven digits (``13812345678``); landlines as area code and
number without separators (``057188886666``), extensions after ``-``.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}\d{7,8}$")
_SEPARATORS = re.compile(r"[\s\-()（）.]")


def _strip_country_code(digits: str) -> str:
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 11:
            return digits[len(prefix) :]
    return digits


def normalize_mobile(raw: str) -> str:
    digits = _strip_country_code(_SEPARATORS.sub("", raw or ""))
    if not MOBILE_RE.match(digits):
        raise ValidationError(
            _("“%(value)s” is not a valid Chinese mobile number (11 digits starting with 1)."),
            code="invalid_mobile",
            params={"value": raw},
        )
    return digits


def normalize_phone(raw: str) -> str:
    """Accept a mobile or a landline with area code; return its stored form."""
    text = (raw or "").strip()
    main, _sep, extension = text.partition("转")
    digits = _strip_country_code(_SEPARATORS.sub("", main))
    if MOBILE_RE.match(digits):
        return digits
    if LANDLINE_RE.match(digits):
        ext = re.sub(r"\D", "", extension)
        return f"{digits}-{ext}" if ext else digits
    raise ValidationError(
        _(
            "“%(value)s” is not a valid phone number: use a mobile number or a landline with its area code."
        ),
        code="invalid_phone",
        params={"value": raw},
    )


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``, for pages a customer or courier sees."""
    if len(phone) < 7:
        return phone
    return f"{phone[:3]}****{phone[-4:]}"
