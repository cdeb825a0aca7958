from __future__ import annotations

from apps.customers.models import Tag
from apps.customers.services.customers import AddressData, customer_create
from tests.tenancy import MARKER


def make_customer(company, name=f"{MARKER}客户", phone="13900005502"):  # type: ignore[no-untyped-def]
    return customer_create(
        company=company,
        name=name,
        phones=[phone],
        address=AddressData(street=f"{MARKER}路 1 号", community=f"{MARKER}小区"),
        notes=MARKER,
    )


OBJECTS = {
    "customers.customer": make_customer,
    "customers.address": lambda company: make_customer(
        company, name=f"{MARKER}地址客户", phone="13900006603"
    ).addresses.get(),
    "customers.tag": lambda company: Tag.objects.create(company=company, name=MARKER),
}

URL_OBJECTS = {
    "customers:detail": "customers.customer",
    "customers:edit": "customers.customer",
    "customers:address_create": {"customer_pk": "customers.customer"},
    "customers:address_edit": {"customer_pk": "customers.customer", "pk": "customers.address"},
    "customers:address_default": "customers.address",
    "customers:address_delete": "customers.address",
}
