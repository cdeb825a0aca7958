"""The ledger's panel on the customer page: balances and recent history."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from apps.ledger import selectors


def render_customer_panel(request: Any, customer: Any) -> str:
    summary = selectors.customer_summary(customer=customer)
    history = selectors.customer_history(customer=customer)[:15]
    return render_to_string(
        "ledger/_customer_panel.html",
        {"customer": customer, "summary": summary, "history": history, "compact": True},
        request=request,
    )
