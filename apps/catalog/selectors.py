from __future__ import annotations

from collections.abc import Collection
from datetime import date
from functools import cache
from typing import cast

from django.db.models import Q, QuerySet

from apps.catalog.models import (
    ContainerType,
    CustomerGroup,
    PriceListItem,
    Product,
    Surcharge,
    SurchargeKind,
    TicketType,
)
from apps.core.rows import ModelColumns, fetch_rows
from apps.org.models import Company


def product_list(*, company: Company, active_only: bool = False) -> QuerySet[Product]:
    products = Product.objects.filter(company=company).select_related("container_type")
    return products.filter(is_active=True) if active_only else products


PRODUCT = ModelColumns(Product, "product")
CONTAINER_TYPE = ModelColumns(ContainerType, "container")


@cache
def _products_sql(count: int) -> str:
    """Products by id with their container types, built once per number of ids: every
    order taken reads them."""
    return (
        f"SELECT {PRODUCT.select()}, {CONTAINER_TYPE.select()} FROM {PRODUCT.table} "
        f"LEFT JOIN {CONTAINER_TYPE.table} "
        f"ON {CONTAINER_TYPE.column('id')} = {PRODUCT.column('container_type')} "
        f"WHERE {PRODUCT.column('company')} = %s "
        f"AND {PRODUCT.column('id')} IN ({', '.join(['%s'] * count)})"
    )


def products_by_id(*, company: Company, ids: Collection[int]) -> dict[int, Product]:
    """The company's products among ``ids``, with their container types, by id."""
    if not ids:
        return {}
    products = {}
    for row in fetch_rows(_products_sql(len(ids)), [company.pk, *ids]):
        product = cast(Product, PRODUCT.instance(row, 0))
        product.container_type = CONTAINER_TYPE.instance(row, len(PRODUCT))
        products[product.pk] = product
    return products


def unit_price_fen(*, product: Product, customer_group: CustomerGroup | None, on: date) -> int:
    """The price a customer group pays for one unit on a day: its price list, else list price."""
    if customer_group is None:
        return product.price_fen
    item = (
        PriceListItem.objects.filter(
            product=product,
            price_list__customer_group=customer_group,
            price_list__is_active=True,
            price_list__valid_from__lte=on,
        )
        .filter(Q(price_list__valid_until__isnull=True) | Q(price_list__valid_until__gte=on))
        .order_by("-price_list__valid_from")
        .first()
    )
    return item.price_fen if item else product.price_fen


SURCHARGE = ModelColumns(Surcharge, "surcharge")


@cache
def _active_surcharges_sql() -> str:
    return (
        f"SELECT {SURCHARGE.select()} FROM {SURCHARGE.table} "
        f"WHERE {SURCHARGE.column('company')} = %s AND {SURCHARGE.column('kind')} = %s "
        f"AND {SURCHARGE.column('is_active')} = %s"
    )


def carry_up_surcharges(*, company_id: int) -> list[Surcharge]:
    """The company's active carry-up charges (every quote without an elevator reads them)."""
    return SURCHARGE.instances(
        _active_surcharges_sql(), [company_id, SurchargeKind.CARRY_UP.value, True]
    )


def carry_up_fen(*, surcharge: Surcharge, floor: int, has_elevator: bool, units: int) -> int:
    """Carrying up stairs: per unit, per floor above the free floors, only without elevator."""
    if has_elevator or floor <= surcharge.free_floors:
        return 0
    return surcharge.amount_fen * (floor - surcharge.free_floors) * units


def active_surcharges(*, company: Company, kind: str | None = None) -> QuerySet[Surcharge]:
    surcharges = Surcharge.objects.filter(company=company, is_active=True)
    return surcharges.filter(kind=kind) if kind else surcharges


def carry_up_total_fen(
    *, company: Company, product: Product, floor: int, has_elevator: bool, units: int
) -> int:
    return sum(
        carry_up_fen(surcharge=s, floor=floor, has_elevator=has_elevator, units=units)
        for s in active_surcharges(company=company, kind=SurchargeKind.CARRY_UP)
        if s.applies_to(product.category)
    )


def catalog_counts(*, company: Company) -> dict[str, int]:
    return {
        "products": Product.objects.filter(company=company, is_active=True).count(),
        "container_types": ContainerType.objects.filter(company=company).count(),
        "ticket_types": TicketType.objects.filter(company=company).count(),
    }
