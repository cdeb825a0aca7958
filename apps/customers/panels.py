"""Sections of the customer page that higher apps fill (balances, orders, subscriptions…).

The customer page lives here, but what the ledger or the orders know about a
customer lives in those apps, which may import this one and not the other way
round. So a higher app registers a panel in its ``AppConfig.ready()``:

    register_panel(key="ledger", title=_("Balances"), order=20, render=render_balances)

``render(request, customer) -> str`` returns an HTML fragment (render_to_string).
Sections nobody has registered yet show what they will hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Panel:
    key: str
    title: str | Promise
    order: int
    render: Callable[[Any, Any], str] | None = None
    summary: str | Promise = ""


_PANELS: dict[str, Panel] = {
    "orders": Panel("orders", _("Orders"), 10, summary=_("Order history appears here.")),
    "ledger": Panel(
        "ledger",
        _("Balances"),
        20,
        summary=_("Money, tickets, deposits and buckets held or owed appear here."),
    ),
    "subscriptions": Panel(
        "subscriptions",
        _("Subscriptions"),
        30,
        summary=_("Milk rounds and standing orders appear here."),
    ),
}


def register_panel(
    *, key: str, title: str | Promise, order: int, render: Callable[[Any, Any], str]
) -> None:
    _PANELS[key] = Panel(key=key, title=title, order=order, render=render)


def customer_panels() -> list[Panel]:
    return sorted(_PANELS.values(), key=lambda panel: panel.order)
