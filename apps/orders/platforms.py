"""Delivery platforms' order JSON → the API's order request, through a per-client mapping.

A mapping says where each order field sits in the platform's JSON, as a dotted
path (``recipient.phone``; a number selects a list item: ``items.0.sku``). A
value starting with ``=`` is a constant (``"payment_intent": "=paid_online"``).
``lines`` points at the list of items and ``line_*`` are paths inside one item.
The result has the shape of a ``POST /api/v1/orders/`` body, so the platform's
order goes through the same validation as any other API order. No database here.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

FIELDS = (
    "external_id",
    "phone",
    "name",
    "address",
    "lines",
    "line_sku",
    "line_product",
    "line_quantity",
    "notes",
    "window_start",
    "window_end",
    "payment_intent",
)
REQUIRED = ("external_id", "phone", "lines", "line_quantity")
TEXT_FIELDS = ("external_id", "phone", "name", "address", "notes", "payment_intent")
WINDOW_FIELDS = ("window_start", "window_end")

_MISSING = object()


class MappingError(ValueError):
    """The platform's order (or the mapping itself) lacks something; ``field`` names the order field."""

    def __init__(self, field: str, message: Any) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


def mapping_problems(mapping: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with a mapping, per field ({} when it is usable)."""
    problems: dict[str, str] = {}
    for field, path in mapping.items():
        if field not in FIELDS:
            problems[field] = str(_("Unknown field; use one of: %s.") % ", ".join(FIELDS))
        elif not isinstance(path, str) or not path.strip():
            problems[field] = str(_("Give a dotted path such as “order.id”."))
    for field in REQUIRED:
        if field not in mapping:
            problems.setdefault(field, str(_("This field must be mapped.")))
    if "line_sku" not in mapping and "line_product" not in mapping:
        problems.setdefault("line_sku", str(_("Map the item's SKU (line_sku) or product id.")))
    return problems


def dig(payload: Any, path: str) -> Any:
    """The value at a dotted path, or ``_MISSING``; a leading ``=`` makes a constant."""
    if path.startswith("="):
        return path[1:]
    value = payload
    for part in path.strip().split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _missing(field: str, path: str) -> MappingError:
    return MappingError(field, _("“%(path)s” is not in the platform's order.") % {"path": path})


def _text(field: str, path: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise MappingError(field, _("“%(path)s” must be text or a number.") % {"path": path})
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _moment(field: str, path: str, value: Any) -> str:
    """ISO 8601 text stays as sent; a number is a Unix time (seconds, or milliseconds)."""
    if isinstance(value, bool):
        raise MappingError(field, _("“%(path)s” must be a date and time.") % {"path": path})
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            raise MappingError(
                field, _("“%(path)s” is not a valid time.") % {"path": path}
            ) from None
    if isinstance(value, str):
        return value.strip()
    raise MappingError(field, _("“%(path)s” must be a date and time.") % {"path": path})


def _lines(mapping: Mapping[str, str], items: Any, path: str) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        raise MappingError("lines", _("“%(path)s” must be a list of items.") % {"path": path})
    lines = []
    for index, item in enumerate(items):
        line: dict[str, Any] = {}
        for field, key in (("line_sku", "sku"), ("line_product", "product")):
            if field in mapping and (value := dig(item, mapping[field])) is not _MISSING:
                line[key] = _text(field, f"{path}.{index}.{mapping[field]}", value)
        if not line:
            wanted = mapping.get("line_sku") or mapping.get("line_product") or "sku"
            raise _missing("line_sku", f"{path}.{index}.{wanted}")
        quantity = dig(item, mapping["line_quantity"])
        if quantity is _MISSING:
            raise _missing("line_quantity", f"{path}.{index}.{mapping['line_quantity']}")
        line["quantity"] = quantity
        lines.append(line)
    return lines


def map_order(payload: Any, mapping: Mapping[str, str]) -> dict[str, Any]:
    """The order request a platform's JSON stands for; :class:`MappingError` names what is missing."""
    problems = mapping_problems(mapping)
    if problems:
        field = next(iter(problems))
        raise MappingError(field, _("The field mapping is incomplete: %s") % problems[field])
    if not isinstance(payload, Mapping):
        raise MappingError("lines", _("The platform's order must be a JSON object."))
    request: dict[str, Any] = {}
    for field in TEXT_FIELDS + WINDOW_FIELDS:
        if field not in mapping:
            continue
        value = dig(payload, mapping[field])
        if value is _MISSING or value is None:
            if field in REQUIRED:
                raise _missing(field, mapping[field])
            continue
        if field in WINDOW_FIELDS:
            request[field] = _moment(field, mapping[field], value)
        else:
            request[field] = _text(field, mapping[field], value)
    items = dig(payload, mapping["lines"])
    if items is _MISSING:
        raise _missing("lines", mapping["lines"])
    request["lines"] = _lines(mapping, items, mapping["lines"])
    return request


SIGNATURE_HEADER = "X-Songda-Signature"
SIGNATURE_SCHEME = "sha256="


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``: ``sha256=<hex HMAC-SHA256 with the secret>``."""
    return SIGNATURE_SCHEME + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, header: str) -> bool:
    """Whether the header signs ``body`` with ``secret`` (compared in constant time)."""
    if not secret or not header:
        return False
    expected = sign(secret, body).encode()
    return hmac.compare_digest(expected, header.strip().lower().encode("utf-8", "replace"))
