"""Taking an order: the phone quick-entry screen and the full back-office form.

Quick entry is built for the keyboard: type the last digits of the caller's
number and Enter; the caller's card opens with "same as last time" focused;
Enter fills the last order; Enter saves. A first-time caller gets a short
customer form on the same screen.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.customers.models import Customer
from apps.customers.selectors.customers import customer_search
from apps.ledger.selectors import customer_summary
from apps.orders.forms.orders import NewCallerForm, OrderForm
from apps.orders.models import Order
from apps.orders.pricing import Quote, order_quote
from apps.orders.selectors import last_order, orders_for_customer
from apps.orders.services.intake import order_create
from apps.orders.services.phone import order_create_for_new_caller
from apps.orders.views.common import company_of, report_refusal
from apps.org.access import section_required
from apps.org.scoping import get_scoped_or_404

PHONE_LIKE = re.compile(r"^[\d\s\-+]{7,}$")


def _customer(request: HttpRequest, value: Any) -> Customer | None:
    if not value:
        return None
    return get_scoped_or_404(Customer, company_of(request), pk=value)


def _repeat(request: HttpRequest, customer: Customer | None) -> Order | None:
    pk = request.GET.get("repeat")
    if customer is None or not pk:
        return None
    return get_scoped_or_404(Order.objects.filter(customer=customer), company_of(request), pk=pk)


def _quote(form: OrderForm) -> Quote | None:
    if not form.is_bound or not form.is_valid():
        return None
    address = form.cleaned_data.get("address")
    return order_quote(
        customer=form.customer, address=address, lines=form.line_requests(), on=timezone.localdate()
    )


def _card(customer: Customer | None) -> dict[str, Any]:
    if customer is None:
        return {}
    return {
        "customer": customer,
        "recent": orders_for_customer(customer=customer, limit=5),
        "last": last_order(customer=customer),
        "summary": customer_summary(customer=customer),
    }


def _page(request: HttpRequest, **context: Any) -> HttpResponse:
    return render(request, "orders/quick_entry.html", context)


@section_required("orders")
def quick_entry(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    query = request.GET.get("q", "").strip()
    customer = _customer(request, request.GET.get("customer"))
    hits: list[Customer] = []
    if customer is None and query:
        hits = customer_search(company=company, query=query, limit=8)
        if len(hits) == 1:
            customer = hits[0]
    repeat = _repeat(request, customer)
    new_caller = None
    if customer is None and query and not hits and PHONE_LIKE.match(query):
        new_caller = NewCallerForm(initial={"phone": query})
    form = OrderForm(company=company, customer=customer, repeat=repeat)
    return _page(
        request,
        query=query,
        hits=hits,
        repeat=repeat,
        form=form,
        new_caller=new_caller,
        **_card(customer),
    )


@require_POST
@section_required("orders")
def quick_entry_save(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    customer = _customer(request, request.POST.get("customer"))
    form = OrderForm(request.POST, company=company, customer=customer)
    new_caller = NewCallerForm(request.POST) if customer is None else None
    if form.is_valid() and (new_caller is None or new_caller.is_valid()):
        try:
            order = _create(request, form, new_caller)
        except ValidationError as error:
            report_refusal(request, error)
        else:
            messages.success(request, _saved_message(order))
            return redirect("orders:quick_entry")
    return _page(
        request,
        query="",
        hits=[],
        form=form,
        new_caller=new_caller,
        quote=_quote(form),
        **_card(customer),
    )


def _create(request: HttpRequest, form: OrderForm, new_caller: NewCallerForm | None) -> Order:
    start, end = form.chosen_window()
    fields = {
        "company": company_of(request),
        "lines": form.line_requests(),
        "window_start": start,
        "window_end": end,
        "payment_intent": form.cleaned_data["payment_intent"],
        "channel": form.cleaned_data["channel"],
        "notes": form.cleaned_data["notes"],
        "created_by": request.user,
    }
    if new_caller is None:
        return order_create(customer=form.customer, address=form.cleaned_data["address"], **fields)  # type: ignore[arg-type]
    caller = new_caller.cleaned_data
    return order_create_for_new_caller(
        name=caller["name"], phone=caller["phone"], address=new_caller.address_data(), **fields
    )


def _saved_message(order: Order) -> str:
    return format_html(
        '{} <a href="{}">{}</a>',
        _("Order %(number)s for %(customer)s saved.")
        % {"number": order.number, "customer": order.customer.name},
        reverse("orders:detail", args=[order.pk]),
        _("Open it"),
    )


@require_POST
@section_required("orders")
def quote(request: HttpRequest) -> HttpResponse:
    """The price of what is on the form so far (htmx fragment)."""
    customer = _customer(request, request.POST.get("customer"))
    form = OrderForm(request.POST, company=company_of(request), customer=customer)
    return render(request, "orders/_quote.html", {"quote": _quote(form), "form": form})


@section_required("orders")
def order_new(request: HttpRequest) -> HttpResponse:
    """The full form: pick the customer, then several lines, another address, a future date."""
    customer = _customer(request, request.GET.get("customer") or request.POST.get("customer"))
    form = OrderForm(request.POST or None, company=company_of(request), customer=customer)
    if request.method == "POST" and customer is not None and form.is_valid():
        try:
            order = _create(request, form, None)
        except ValidationError as error:
            report_refusal(request, error)
        else:
            messages.success(request, _saved_message(order))
            return redirect("orders:detail", pk=order.pk)
    hits = customer_search(company=company_of(request), query=request.GET.get("q", ""), limit=8)
    return render(
        request,
        "orders/order_form.html",
        {
            "form": form,
            "customer": customer,
            "hits": hits,
            "query": request.GET.get("q", ""),
            "quote": _quote(form),
        },
    )
