"""The reads every order taken through the API makes: the client, the customer, the products."""

from __future__ import annotations

from datetime import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.selectors import products_by_id
from apps.customers.models import Address, CustomerPhone
from apps.orders.authentication import api_client_for_token
from apps.orders.models import OrderSettings
from apps.orders.selectors import customer_for_order, order_settings_for
from apps.orders.services.clients import api_client_create, api_client_revoke
from apps.orders.services.notifications import customer_phone
from tests.factories import CompanyFactory, ContainerTypeFactory, ProductFactory
from tests.orders.conftest import OrderWorld

pytestmark = pytest.mark.django_db


def test_the_customer_comes_with_addresses_and_phones_in_their_order_once_each(
    ow: OrderWorld,
) -> None:
    other = Address.objects.create(
        company=ow.company, customer=ow.customer, street="教工路 8 号", depot=ow.depot
    )
    Address.objects.filter(pk=ow.address.pk).update(is_default=False)
    Address.objects.filter(pk=other.pk).update(is_default=True)
    numbers = ["057188001122", "13912345678", "13800001111"]
    phones = [
        CustomerPhone.objects.create(
            company=ow.company, customer=ow.customer, number=n, is_primary=n == "13800001111"
        )
        for n in numbers
    ]

    with CaptureQueriesContext(connection) as queries:
        customer = customer_for_order(company=ow.company, pk=ow.customer.pk)
        assert customer is not None
        addresses = list(customer.addresses.all())
        read_phones = list(customer.phones.all())
        recipient = customer_phone(customer)

    assert len(queries) == 1
    assert [a.pk for a in addresses] == [other.pk, ow.address.pk]
    assert [p.pk for p in read_phones] == [phones[2].pk, phones[0].pk, phones[1].pk]
    assert recipient == "13800001111"
    assert customer.default_address == addresses[0]
    assert all(a.customer is customer for a in addresses)
    assert customer.name == ow.customer.name


def test_a_customer_without_addresses_or_phones_comes_with_none(ow: OrderWorld) -> None:
    Address.objects.filter(customer=ow.customer).delete()
    CustomerPhone.objects.filter(customer=ow.customer).delete()

    customer = customer_for_order(company=ow.company, pk=ow.customer.pk)

    assert customer == ow.customer
    with CaptureQueriesContext(connection) as queries:
        assert list(customer.addresses.all()) == []
        assert customer_phone(customer) == ""
    assert len(queries) == 0


def test_another_companys_customer_is_not_found(ow: OrderWorld) -> None:
    assert customer_for_order(company=CompanyFactory(), pk=ow.customer.pk) is None
    assert customer_for_order(company=ow.company, pk=ow.customer.pk + 1000) is None


def test_products_come_by_id_with_their_container_type_and_only_the_companys() -> None:
    company = CompanyFactory()
    bucket = ContainerTypeFactory(company=company, name="18.9L 桶")
    water = ProductFactory(company=company, container_type=bucket)
    bread = ProductFactory(company=company, container_type=None)
    foreign = ProductFactory(company=CompanyFactory())

    with CaptureQueriesContext(connection) as queries:
        found = products_by_id(company=company, ids={water.pk, bread.pk, foreign.pk})
        bucket_name = found[water.pk].container_type.name
        bread_container = found[bread.pk].container_type

    assert len(queries) == 1
    assert set(found) == {water.pk, bread.pk}
    assert found[water.pk].name == water.name and found[water.pk].price_fen == water.price_fen
    assert (bucket_name, bread_container) == ("18.9L 桶", None)
    assert products_by_id(company=company, ids=set()) == {}


def test_the_token_finds_the_active_client_with_its_company_and_order_settings() -> None:
    company = CompanyFactory()
    client, token = api_client_create(company=company, name="小程序", channel="mini_program")
    OrderSettings.objects.create(company=company, quiet_hours_start=time(23))

    found = api_client_for_token(token)

    assert found == client
    with CaptureQueriesContext(connection) as queries:
        assert found.company == company and found.company.name == company.name
        assert order_settings_for(found.company).quiet_hours_start == time(23)
    assert len(queries) == 0


def test_a_company_without_order_settings_gets_the_defaults_without_a_query() -> None:
    client, token = api_client_create(company=CompanyFactory(), name="小程序", channel="api")

    found = api_client_for_token(token)

    assert found == client
    with CaptureQueriesContext(connection) as queries:
        settings = order_settings_for(found.company)
    assert len(queries) == 0
    assert settings.pk is None and settings.quiet_hours_start == time(21)


def test_revoked_switched_off_and_unknown_tokens_find_nothing() -> None:
    company = CompanyFactory()
    revoked, revoked_token = api_client_create(company=company, name="旧", channel="api")
    api_client_revoke(client=revoked)
    off, off_token = api_client_create(company=company, name="停用", channel="api")
    off.is_active = False
    off.save()
    closed_company = CompanyFactory(is_active=False)
    _, closed_token = api_client_create(company=closed_company, name="关店", channel="api")

    assert api_client_for_token(revoked_token) is None
    assert api_client_for_token(off_token) is None
    assert api_client_for_token(closed_token) is None
    assert api_client_for_token(revoked_token[:-1] + "x") is None
