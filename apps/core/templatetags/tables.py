from __future__ import annotations

from typing import Any

from django import template

from apps.core.money import format_yuan

register = template.Library()


def _resolve(row: Any, attr: str) -> Any:
    value: Any = row
    for part in attr.split("."):
        display = getattr(value, f"get_{part}_display", None)
        value = display() if callable(display) else getattr(value, part, "")
        if callable(value) and not hasattr(value, "all"):
            value = value()
    if hasattr(value, "all"):
        return "、".join(str(item) for item in value.all())
    return value


@register.simple_tag
def cell(row: Any, column: Any) -> Any:
    """The value of one table column for one row: dotted attributes, choices, money."""
    value = _resolve(row, column.attr)
    if column.money:
        return format_yuan(value)
    if value is True:
        return "✓"
    if value is False:
        return "—"
    return "" if value is None else value
