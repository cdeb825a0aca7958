from __future__ import annotations

from apps.catalog.models import PriceList, PriceListItem, Surcharge, TicketPackage
from tests.factories import (
    ContainerTypeFactory,
    CustomerGroupFactory,
    ProductFactory,
    TicketTypeFactory,
)
from tests.tenancy import MARKER


def _price_list(company, suffix=""):  # type: ignore[no-untyped-def]
    group = CustomerGroupFactory(company=company, name=f"{MARKER}组{suffix}")
    return PriceList.objects.create(
        company=company, name=f"{MARKER}价目表", customer_group=group, valid_from="2026-01-01"
    )


def _price_list_item(company):  # type: ignore[no-untyped-def]
    return PriceListItem.objects.create(
        company=company,
        price_list=_price_list(company, suffix="项"),
        product=ProductFactory(company=company, name=MARKER),
        price_fen=1999,
    )


def _ticket_package(company):  # type: ignore[no-untyped-def]
    return TicketPackage.objects.create(
        company=company,
        ticket_type=TicketTypeFactory(company=company, name=f"{MARKER}票"),
        name=f"{MARKER}套餐",
        paid_tickets=20,
        bonus_tickets=2,
        price_fen=36000,
    )


OBJECTS = {
    "catalog.product": lambda company: ProductFactory(company=company, name=MARKER),
    "catalog.containertype": lambda company: ContainerTypeFactory(company=company, name=MARKER),
    "catalog.tickettype": lambda company: TicketTypeFactory(company=company, name=MARKER),
    "catalog.ticketpackage": _ticket_package,
    "catalog.customergroup": lambda company: CustomerGroupFactory(company=company, name=MARKER),
    "catalog.pricelist": _price_list,
    "catalog.pricelistitem": _price_list_item,
    "catalog.surcharge": lambda company: Surcharge.objects.create(
        company=company, name=MARKER, kind="carry_up", amount_fen=100
    ),
}

URL_OBJECTS = {
    "catalog:product_edit": "catalog.product",
    "catalog:container_type_edit": "catalog.containertype",
    "catalog:ticket_type_edit": "catalog.tickettype",
    "catalog:ticket_package_edit": "catalog.ticketpackage",
    "catalog:customer_group_edit": "catalog.customergroup",
    "catalog:price_list_edit": "catalog.pricelist",
    "catalog:surcharge_edit": "catalog.surcharge",
    "api:product-detail": "catalog.product",
}
