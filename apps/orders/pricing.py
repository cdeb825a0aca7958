"""What an order costs, computed from the catalogue before it is saved.

The unit price comes from the customer's group price list (else the list
price); carrying up stairs is charged per unit and floor when the address has
no elevator; a customer who has never held a container type (and whom no
earlier open or delivered order brings one) pays the deposit for the
containers this order brings. Delivery checks the ledger again and takes no
deposit where one (or a loan) already covers the customer's containers of the type.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from django.db import connection

from apps.catalog.models import ContainerType, Product, Surcharge
from apps.catalog.selectors import carry_up_fen, carry_up_surcharges, unit_price_fen
from apps.customers.models import Address, Customer
from apps.ledger.models import Account, AccountKind, Lot
from apps.orders.models import Order, OrderLine, OrderStatus


@dataclass(frozen=True)
class LineRequest:
    product: Product
    quantity: int
    unit_price_fen: int | None = None  # None: the catalogue price


@dataclass(frozen=True)
class PricedLine:
    product: Product
    quantity: int
    unit_price_fen: int
    surcharge_fen: int

    @property
    def amount_fen(self) -> int:
        return self.quantity * self.unit_price_fen + self.surcharge_fen


@dataclass
class Quote:
    lines: list[PricedLine] = field(default_factory=list)
    deposit_fen: int = 0
    deposits: dict[ContainerType, int] = field(default_factory=dict)

    @property
    def goods_fen(self) -> int:
        return sum(line.quantity * line.unit_price_fen for line in self.lines)

    @property
    def surcharge_fen(self) -> int:
        return sum(line.surcharge_fen for line in self.lines)

    @property
    def deposit_containers(self) -> int:
        return sum(self.deposits.values())

    @property
    def total_fen(self) -> int:
        return self.goods_fen + self.surcharge_fen + self.deposit_fen


def order_quote(
    *,
    customer: Customer | None,
    address: Address | None,
    lines: Sequence[LineRequest],
    on: date,
) -> Quote:
    quote = Quote()
    group = customer.group if customer is not None else None
    carry_up = _carry_up_surcharges(address)
    for request in lines:
        price = request.unit_price_fen
        if price is None:
            price = unit_price_fen(product=request.product, customer_group=group, on=on)
        surcharge = 0
        if address is not None:
            surcharge = sum(
                carry_up_fen(
                    surcharge=s,
                    floor=address.floor,
                    has_elevator=address.has_elevator,
                    units=request.quantity,
                )
                for s in carry_up
                if s.applies_to(request.product.category)
            )
        quote.lines.append(PricedLine(request.product, request.quantity, price, surcharge))
    quote.deposits = _first_containers(customer, lines)
    quote.deposit_fen = sum(c.deposit_fen * n for c, n in quote.deposits.items())
    return quote


def _carry_up_surcharges(address: Address | None) -> list[Surcharge]:
    """The company's carry-up charges, read once per quote (none apply with an elevator)."""
    if address is None or address.has_elevator:
        return []
    return carry_up_surcharges(company_id=address.company_id)


def _first_containers(
    customer: Customer | None, lines: Sequence[LineRequest]
) -> dict[ContainerType, int]:
    wanted: dict[ContainerType, int] = {}
    for request in lines:
        if request.product.container_type_id is None:
            continue
        container = request.product.container_type
        if container is not None and container.deposit_fen > 0:
            wanted[container] = wanted.get(container, 0) + request.quantity
    if not wanted:
        return {}
    if customer is None or not customer.pk:
        return wanted  # a first-time caller holds nothing yet
    known = _containers_known(customer, {c.pk for c in wanted})
    return {c: n for c, n in wanted.items() if c.pk not in known}


def _containers_known(customer: Customer, container_type_ids: Collection[int]) -> set[int]:
    """Container types the customer holds or held (the ledger has the account), or whose
    first deposit an earlier order on its way or delivered carries.

    One statement, written out once per number of types: this runs for every order
    that brings containers, and building it through the ORM cost more than running it.
    """
    ids = list(container_type_ids)
    params: list[int | str] = [customer.company_id, customer.pk, AccountKind.CONTAINERS.value, *ids]
    params += [customer.pk, OrderStatus.CANCELLED.value, *ids]
    with connection.cursor() as cursor:
        cursor.execute(_containers_known_sql(len(ids)), params)
        return {row[0] for row in cursor.fetchall()}


@cache
def _containers_known_sql(count: int) -> str:
    quote = connection.ops.quote_name
    account, line, order, product = (
        quote(model._meta.db_table) for model in (Account, OrderLine, Order, Product)
    )
    ids = ", ".join(["%s"] * count)
    return (
        f"SELECT a.container_type_id FROM {account} a WHERE a.company_id = %s "
        f"AND a.customer_id = %s AND a.kind = %s AND a.container_type_id IN ({ids}) "
        f"UNION SELECT p.container_type_id FROM {line} l "
        f"JOIN {order} o ON o.id = l.order_id JOIN {product} p ON p.id = l.product_id "
        f"WHERE o.customer_id = %s AND o.deposit_containers > 0 AND o.status <> %s "
        f"AND p.container_type_id IN ({ids})"
    )


def containers_covered(*, customer: Customer, container_type_ids: Collection[int]) -> set[int]:
    """The container types a deposit taken or a loan made has ever covered for the customer."""
    return set(
        Lot.objects.filter(
            account__company_id=customer.company_id,
            account__customer=customer,
            account__kind=AccountKind.CONTAINERS,
            account__container_type_id__in=container_type_ids,
        ).values_list("account__container_type_id", flat=True)
    )
