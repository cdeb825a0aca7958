from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.customers.forms.customers import AddressForm, CustomerForm, SearchForm
from apps.customers.models import Address, Customer
from apps.customers.panels import customer_panels
from apps.customers.selectors.customers import customer_list as list_customers
from apps.customers.selectors.customers import customer_queryset, customer_search
from apps.customers.selectors.tickets import tickets_for_customer
from apps.customers.services import customers as services
from apps.org.access import section_required
from apps.org.models import Company
from apps.org.scoping import get_scoped_or_404
from apps.org.selectors import depot_list


def _company(request: HttpRequest) -> Company:
    return request.company  # type: ignore[attr-defined, no-any-return]


def _map_center(company: Company, *addresses: Address | None) -> str:
    """Where a map opens: the first located address, else the first depot."""
    for address in addresses:
        if address is not None and address.has_coordinates:
            return f"{address.latitude},{address.longitude}"
    depot = depot_list(company=company, active_only=True).first()
    return f"{depot.latitude},{depot.longitude}" if depot else ""


def _map_points(customer: Customer) -> str:
    return json.dumps(
        [
            {"lat": float(a.latitude), "lng": float(a.longitude), "label": a.label or a.short}  # type: ignore[arg-type]
            for a in customer.addresses.all()
            if a.has_coordinates
        ]
    )


@section_required("customers")
def customer_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    query = form.data.get("q", "").strip() if form.is_bound else ""
    if query:
        results = customer_search(company=_company(request), query=query)
        page = None
    else:
        status = form.data.get("status", "") if form.is_bound else ""
        page = Paginator(list_customers(company=_company(request), status=status), 50).get_page(
            request.GET.get("page")
        )
        results = list(page.object_list)
    context = {"form": form, "results": results, "page": page, "query": query, "tab": "customers"}
    if request.headers.get("HX-Request"):
        return render(request, "customers/customer_list.html#results", context)
    return render(request, "customers/customer_list.html", context)


def _duplicate_phone_message(error: services.DuplicatePhone) -> str:
    url = reverse("customers:detail", args=[error.customer.pk])
    return format_html(
        '{} <a href="{}">{}</a>', error.messages[0], url, _("Open the existing customer")
    )


def _apply_service_errors(error: ValidationError, *forms: CustomerForm | AddressForm) -> None:
    if isinstance(error, services.DuplicatePhone):
        forms[0].add_error("phones", _duplicate_phone_message(error))
        return
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = next((f for f in forms if field in f.fields), forms[0])
            target.add_error(field if field in target.fields else None, errors)
        return
    forms[0].add_error(None, error)


@section_required("customers")
def customer_create(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    form = CustomerForm(request.POST or None, company=company)
    address_form = AddressForm(request.POST or None, company=company, prefix="address")
    if request.method == "POST" and form.is_valid() and address_form.is_valid():
        try:
            customer = services.customer_create(
                company=company,
                phones=form.cleaned_data["phones"],
                address=address_form.to_data(),
                **form.profile(),
            )
        except ValidationError as error:
            _apply_service_errors(error, form, address_form)
        else:
            messages.success(request, _("Customer %(name)s was created.") % {"name": customer})
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/customer_form.html",
        {
            "form": form,
            "address_form": address_form,
            "tab": "customers",
            "title": _("New customer"),
            "map_center": _map_center(company),
        },
    )


@section_required("customers")
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_scoped_or_404(
        customer_queryset(company=_company(request)), _company(request), pk=pk
    )
    panels = [
        (panel, panel.render(request, customer) if panel.render else "")
        for panel in customer_panels()
    ]
    return render(
        request,
        "customers/customer_detail.html",
        {
            "customer": customer,
            "panels": panels,
            "tickets": tickets_for_customer(customer=customer),
            "tab": "customers",
            "map_points": _map_points(customer),
            "map_center": _map_center(_company(request), customer.default_address),
        },
    )


@section_required("customers")
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request)
    customer = get_scoped_or_404(Customer, company, pk=pk)
    form = CustomerForm(request.POST or None, instance=customer, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(
                customer=customer, phones=form.cleaned_data["phones"], **form.profile()
            )
        except ValidationError as error:
            _apply_service_errors(error, form)
        else:
            messages.success(request, _("Customer %(name)s was saved.") % {"name": customer.name})
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "customer": customer, "tab": "customers", "title": customer.name},
    )


@section_required("customers")
def address_edit(request: HttpRequest, customer_pk: int, pk: int | None = None) -> HttpResponse:
    company = _company(request)
    customer = get_scoped_or_404(Customer, company, pk=customer_pk)
    address = get_scoped_or_404(Address, company, pk=pk, customer=customer) if pk else None
    form = AddressForm(request.POST or None, instance=address, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            if address is None:
                services.address_add(customer=customer, data=form.to_data())
            else:
                services.address_update(address=address, data=form.to_data())
        except ValidationError as error:
            _apply_service_errors(error, form)
        else:
            messages.success(request, _("The address was saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/address_form.html",
        {
            "form": form,
            "customer": customer,
            "address": address,
            "tab": "customers",
            "map_center": _map_center(company, address, customer.default_address),
        },
    )


@require_POST
@section_required("customers")
def address_make_default(request: HttpRequest, pk: int) -> HttpResponse:
    address = get_scoped_or_404(Address, _company(request), pk=pk)
    services.address_set_default(address=address)
    messages.success(request, _("The default address was changed."))
    return redirect("customers:detail", pk=address.customer_id)


@require_POST
@section_required("customers")
def address_delete(request: HttpRequest, pk: int) -> HttpResponse:
    address = get_scoped_or_404(Address, _company(request), pk=pk)
    try:
        services.address_delete(address=address)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The address was deleted."))
    return redirect("customers:detail", pk=address.customer_id)
