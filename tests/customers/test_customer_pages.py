from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.customers.models import Customer
from apps.customers.services.customers import AddressData, customer_create
from apps.org.models import Role
from tests.conftest import Team


def _customer(team: Team, name: str = "王芳", phone: str = "13906715502", **kwargs):  # type: ignore[no-untyped-def]
    return customer_create(
        company=team.company,
        name=name,
        phones=[phone],
        address=AddressData(street="文三路 88 号", floor=6),
        **kwargs,
    )


def _form(**overrides: object) -> dict[str, object]:
    data = {
        "name": "陈静",
        "phones": "138 0571 0099\n0571-88001122",
        "customer_type": "household",
        "billing_mode": "pay_on_delivery",
        "credit_limit_fen": "0",
        "payment_due_days": "30",
        "source": "phone",
        "status": "active",
        "language": "zh-hans",
        "address-province": "浙江省",
        "address-city": "杭州市",
        "address-street": "学院路 77 号",
        "address-community": "文教小区",
        "address-floor": "6",
        "address-latitude": "30.281000",
        "address-longitude": "120.136000",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_a_dispatcher_creates_a_customer_with_an_address_on_the_map(team: Team) -> None:
    client = team.client_for(Role.DISPATCHER)
    response = client.post(reverse("customers:create"), _form())
    customer = Customer.objects.get(company=team.company, name="陈静")
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert set(customer.phones.values_list("number", flat=True)) == {"13805710099", "057188001122"}
    address = customer.addresses.get()
    assert (str(address.latitude), address.coordinate_source, address.floor) == (
        "30.281000",
        "pin",
        6,
    )
    page = client.get(response["Location"]).content.decode()
    assert "学院路 77 号" in page and "无电梯" in page


@pytest.mark.django_db
def test_a_duplicate_phone_offers_the_existing_customer(team: Team) -> None:
    existing = _customer(team)
    client = team.client_for(Role.DISPATCHER)
    response = client.post(reverse("customers:create"), _form(phones="13906715502"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "13906715502 已属于客户 王芳" in body
    assert f'href="{reverse("customers:detail", args=[existing.pk])}"' in body
    assert Customer.objects.filter(company=team.company).count() == 1


@pytest.mark.django_db
def test_bad_input_is_explained_field_by_field(team: Team) -> None:
    client = team.client_for(Role.DISPATCHER)
    response = client.post(
        reverse("customers:create"),
        _form(
            phones="5502",
            **{"address-street": "", "address-latitude": "48.85", "address-longitude": "2.35"},
        ),
    )
    body = response.content.decode()
    assert "不是有效的电话号码" in body
    assert "该字段是必填项" in body
    assert "经度 2.35 不在中国境内" in body
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_moving_the_pin_updates_the_address(team: Team) -> None:
    customer = _customer(team)
    address = customer.addresses.get()
    client = team.client_for(Role.DISPATCHER)
    response = client.post(
        reverse("customers:address_edit", args=[customer.pk, address.pk]),
        {
            "province": "浙江省",
            "city": "杭州市",
            "street": "文三路 88 号",
            "floor": "6",
            "latitude": "30.277700",
            "longitude": "120.134400",
        },
    )
    assert response.status_code == 302
    address.refresh_from_db()
    assert (str(address.latitude), str(address.longitude), address.coordinate_source) == (
        "30.277700",
        "120.134400",
        "pin",
    )


@pytest.mark.django_db
def test_as_you_type_search_returns_a_fragment(team: Team) -> None:
    _customer(team)
    client = team.client_for(Role.DISPATCHER)
    response = client.get(reverse("customers:index"), {"q": "5502"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "王芳" in body and "13906715502" in body
    assert "<html" not in body


@pytest.mark.django_db
def test_customer_names_and_notes_are_escaped(team: Team) -> None:
    customer = _customer(
        team, name="<script>alert(1)</script>", notes="<img src=x onerror=alert(2)>"
    )
    body = (
        team.client_for(Role.DISPATCHER)
        .get(reverse("customers:detail", args=[customer.pk]))
        .content.decode()
    )
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body
    assert "<img src=x" not in body


@pytest.mark.django_db
def test_the_customer_list_uses_a_fixed_number_of_queries(team: Team) -> None:
    client = team.client_for(Role.DISPATCHER)
    _customer(team)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("customers:index"))
    for n in range(20):
        _customer(team, name=f"客户{n}", phone=f"1380000{n:04d}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("customers:index"))
    assert len(many) == len(few)


@pytest.mark.django_db
def test_the_customer_page_shows_what_later_sections_will_hold(team: Team) -> None:
    customer = _customer(team)
    body = (
        team.client_for(Role.ACCOUNTANT)
        .get(reverse("customers:detail", args=[customer.pk]))
        .content.decode()
    )
    assert "这里将显示送奶订阅和固定订单" in body
