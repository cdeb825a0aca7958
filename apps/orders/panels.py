"""The orders panel on the customer page: recent orders and a button for a new one."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from apps.orders.selectors import orders_for_customer


def render_customer_panel(request: Any, customer: Any) -> str:
    return render_to_string(
        "orders/_customer_orders.html",
        {"customer": customer, "orders": orders_for_customer(customer=customer, limit=10)},
        request=request,
    )
