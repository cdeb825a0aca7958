from __future__ import annotations

from django import template

from apps.core.money import format_yuan

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    return format_yuan(fen)
