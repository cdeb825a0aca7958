"""Orders that arrive from other systems (the REST API, platform webhooks).

They name the customer by id or by phone, and a caller new to the company
comes with a name and an address: the customer is created on the way in. An
order whose (channel, external id) is already in the pool is answered with the
order that exists, never a second one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from apps.customers.models import Address, Channel, Customer
from apps.customers.selectors.customers import customer_by_phone
from apps.customers.services.customers import AddressData, address_add, customer_create
from apps.orders.errors import DuplicateExternalOrder, OrderError
from apps.orders.models import ApiClient, Order, OrderSettings
from apps.orders.pricing import LineRequest
from apps.orders.services.intake import order_create
from apps.orders.services.lifecycle import Actor
from apps.org.models import Company


def _existing(company: Company, channel: str, external_id: str) -> Order | None:
    if not external_id:
        return None
    return Order.objects.filter(company=company, channel=channel, external_id=external_id).first()


def _customer_for_phone(
    company: Company, *, phone: str, name: str, address_text: str, channel: str
) -> Customer:
    customer = customer_by_phone(company=company, number=phone)
    if customer is not None:
        return customer
    # The company row serialises the creation of customers (see customer_create):
    # two first orders from one new number make one customer, not an error.
    Company.objects.select_for_update().filter(pk=company.pk).first()
    customer = customer_by_phone(company=company, number=phone)
    if customer is not None:
        return customer
    if not name.strip():
        raise OrderError({"name": _("A new customer needs a name.")})
    if not address_text.strip():
        raise OrderError({"address": _("A new customer needs an address.")})
    return customer_create(
        company=company,
        name=name,
        phones=[phone],
        address=AddressData(street=address_text.strip()),
        source=channel if channel in Channel.values else Channel.OTHER,
    )


def _address_for_text(customer: Customer, text: str) -> Address:
    """The customer's address written this way, or a new one (the default stays the default)."""
    text = text.strip()
    for address in customer.addresses.all():
        if text in (address.street, address.short):
            return address
    return address_add(customer=customer, data=AddressData(street=text))


@transaction.atomic
def order_receive(
    *,
    company: Company,
    lines: Sequence[LineRequest],
    window_start: datetime,
    window_end: datetime,
    channel: str,
    actor: Actor,
    customer: Customer | None = None,
    phone: str = "",
    name: str = "",
    address: Address | None = None,
    address_text: str = "",
    payment_intent: str = "cash",
    notes: str = "",
    external_id: str = "",
    api_client: ApiClient | None = None,
    order_settings: OrderSettings | None = None,
) -> tuple[Order, bool]:
    """Put a remote order in the pool; returns the order and whether it is new.

    ``phone`` (normalised) names the customer when ``customer`` is None.
    ``address_text`` picks or adds an address of the customer; without it the
    customer's default address is used. ``order_settings``: the company's, when
    the caller has read them already.
    """
    external_id = external_id.strip()
    existing = _existing(company, channel, external_id)
    if existing is not None:
        return existing, False
    if customer is None:
        if not phone:
            raise OrderError({"customer": _("Give the customer's id or phone number.")})
        customer = _customer_for_phone(
            company, phone=phone, name=name, address_text=address_text, channel=channel
        )
    if address is None and address_text.strip():
        address = _address_for_text(customer, address_text)
    try:
        order = order_create(
            company=company,
            customer=customer,
            lines=lines,
            window_start=window_start,
            window_end=window_end,
            address=address,
            channel=channel,
            payment_intent=payment_intent,
            notes=notes,
            external_id=external_id,
            api_client=api_client,
            created_by=actor.user,
            actor_label=actor.label,
            order_settings=order_settings,
        )
    except DuplicateExternalOrder as duplicate:
        return duplicate.order, False
    return order, True
