from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from apps.catalog import forms, selectors
from apps.catalog.models import (
    ContainerType,
    CustomerGroup,
    PriceList,
    Product,
    Surcharge,
    TicketPackage,
    TicketType,
)
from apps.org.access import section_required
from apps.org.crud import Column, Crud

NAME = Column(_("name"), "name")
ACTIVE = Column(_("active"), "is_active")

products = Crud(
    section="catalog",
    name="product",
    model=Product,
    form_class=forms.ProductForm,
    plural_url="products",
    select_related=("container_type",),
    columns=(
        Column(_("SKU"), "sku"),
        NAME,
        Column(_("brand"), "brand"),
        Column(_("category"), "category"),
        Column(_("price"), "price_fen", money=True),
        Column(_("unit"), "unit"),
        Column(_("container type"), "container_type"),
        ACTIVE,
    ),
)
container_types = Crud(
    section="catalog",
    name="container_type",
    model=ContainerType,
    form_class=forms.ContainerTypeForm,
    plural_url="containers",
    columns=(NAME, Column(_("deposit"), "deposit_fen", money=True), ACTIVE),
)
ticket_types = Crud(
    section="catalog",
    name="ticket_type",
    model=TicketType,
    form_class=forms.TicketTypeForm,
    plural_url="tickets",
    columns=(NAME, Column(_("kind"), "kind"), Column(_("valid for"), "products"), ACTIVE),
)
ticket_packages = Crud(
    section="catalog",
    name="ticket_package",
    model=TicketPackage,
    form_class=forms.TicketPackageForm,
    plural_url="ticket-packages",
    select_related=("ticket_type",),
    columns=(
        NAME,
        Column(_("ticket type"), "ticket_type"),
        Column(_("tickets paid for"), "paid_tickets"),
        Column(_("bonus tickets"), "bonus_tickets"),
        Column(_("price"), "price_fen", money=True),
        ACTIVE,
    ),
)
customer_groups = Crud(
    section="catalog",
    name="customer_group",
    model=CustomerGroup,
    form_class=forms.CustomerGroupForm,
    plural_url="groups",
    columns=(NAME, Column(_("description"), "description")),
)
price_lists = Crud(
    section="catalog",
    name="price_list",
    model=PriceList,
    form_class=forms.PriceListForm,
    plural_url="price-lists",
    inline_formset=forms.PriceListItemFormSet,
    select_related=("customer_group",),
    columns=(
        NAME,
        Column(_("customer group"), "customer_group"),
        Column(_("valid from"), "valid_from"),
        Column(_("valid until"), "valid_until"),
        ACTIVE,
    ),
)
surcharges = Crud(
    section="catalog",
    name="surcharge",
    model=Surcharge,
    form_class=forms.SurchargeForm,
    plural_url="surcharges",
    columns=(
        NAME,
        Column(_("kind"), "kind"),
        Column(_("amount"), "amount_fen", money=True),
        Column(_("free floors"), "free_floors"),
        ACTIVE,
    ),
)

ALL = (
    products,
    container_types,
    ticket_types,
    ticket_packages,
    customer_groups,
    price_lists,
    surcharges,
)


@section_required("catalog")
def index(request: HttpRequest) -> HttpResponse:
    counts = selectors.catalog_counts(company=request.company)  # type: ignore[attr-defined]
    return render(request, "catalog/index.html", {"cruds": ALL, "counts": counts})
