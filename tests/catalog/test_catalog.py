from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from apps.catalog.models import PriceList, PriceListItem, Product, Surcharge, SurchargeKind
from apps.catalog.selectors import carry_up_fen, carry_up_total_fen, unit_price_fen
from tests.conftest import Team
from tests.factories import ContainerTypeFactory, CustomerGroupFactory, ProductFactory


def _product_data(**overrides: object) -> dict[str, object]:
    data = {
        "sku": "W-NEW-189",
        "name": "18.9L 桶装水",
        "brand": "怡宝",
        "unit": "桶",
        "category": "water",
        "price_fen": "19.50",
        "load_units": "1",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_owner_adds_a_product_priced_in_yuan(team: Team, owner_client) -> None:  # type: ignore[no-untyped-def]
    bucket = ContainerTypeFactory(company=team.company)
    response = owner_client.post(
        reverse("catalog:product_create"), _product_data(container_type=bucket.pk, is_active="on")
    )
    assert response.status_code == 302
    product = Product.objects.get(company=team.company, sku="W-NEW-189")
    assert product.price_fen == 1950
    assert product.container_type == bucket
    listing = owner_client.get(reverse("catalog:product_list")).content.decode()
    assert "¥19.50" in listing


@pytest.mark.django_db
def test_a_negative_price_is_refused(team: Team, owner_client) -> None:  # type: ignore[no-untyped-def]
    response = owner_client.post(reverse("catalog:product_create"), _product_data(price_fen="-1"))
    assert "金额不能为负数" in response.content.decode()
    assert not Product.objects.filter(sku="W-NEW-189").exists()


@pytest.mark.django_db
def test_a_container_type_of_another_company_is_refused(
    team: Team, other_team: Team, owner_client
) -> None:  # type: ignore[no-untyped-def]
    foreign = ContainerTypeFactory(company=other_team.company, name="别家的桶")
    form_page = owner_client.get(reverse("catalog:product_create")).content.decode()
    assert "别家的桶" not in form_page
    response = owner_client.post(
        reverse("catalog:product_create"), _product_data(container_type=foreign.pk)
    )
    assert "选择一个有效的选项" in response.content.decode()
    assert not Product.objects.filter(sku="W-NEW-189").exists()


@pytest.mark.django_db
def test_model_validation_also_refuses_a_foreign_container(team: Team, other_team: Team) -> None:
    from django.core.exceptions import ValidationError

    product = ProductFactory.build(
        company=team.company, container_type=ContainerTypeFactory(company=other_team.company)
    )
    with pytest.raises(ValidationError) as error:
        product.full_clean()
    assert "container_type" in error.value.message_dict


@pytest.mark.django_db
def test_a_duplicate_sku_is_explained(team: Team, owner_client) -> None:  # type: ignore[no-untyped-def]
    ProductFactory(company=team.company, sku="W-NEW-189")
    response = owner_client.post(reverse("catalog:product_create"), _product_data())
    assert response.status_code == 200
    assert Product.objects.filter(company=team.company, sku="W-NEW-189").count() == 1
    assert "已有相同商品编码的商品" in response.content.decode()


@pytest.mark.django_db
def test_a_price_list_gives_its_group_a_special_price(team: Team, owner_client) -> None:  # type: ignore[no-untyped-def]
    product = ProductFactory(company=team.company, price_fen=2200)
    offices = CustomerGroupFactory(company=team.company, name="写字楼")
    response = owner_client.post(
        reverse("catalog:price_list_create"),
        {
            "name": "写字楼价",
            "customer_group": offices.pk,
            "valid_from": "2026-01-01",
            "is_active": "on",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-0-product": product.pk,
            "items-0-price_fen": "20.00",
        },
    )
    assert response.status_code == 302
    item = PriceListItem.objects.get(price_list__name="写字楼价")
    assert (item.company, item.price_fen) == (team.company, 2000)
    assert unit_price_fen(product=product, customer_group=offices, on=date(2026, 6, 1)) == 2000
    assert unit_price_fen(product=product, customer_group=None, on=date(2026, 6, 1)) == 2200
    assert unit_price_fen(product=product, customer_group=offices, on=date(2025, 12, 31)) == 2200


@pytest.mark.django_db
def test_an_expired_price_list_no_longer_applies(team: Team) -> None:
    product = ProductFactory(company=team.company, price_fen=2200)
    group = CustomerGroupFactory(company=team.company)
    price_list = PriceList.objects.create(
        company=team.company,
        name="旧价",
        customer_group=group,
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 3, 31),
    )
    PriceListItem.objects.create(
        company=team.company, price_list=price_list, product=product, price_fen=1800
    )
    assert unit_price_fen(product=product, customer_group=group, on=date(2026, 3, 31)) == 1800
    assert unit_price_fen(product=product, customer_group=group, on=date(2026, 4, 1)) == 2200


@pytest.mark.parametrize(
    ("floor", "elevator", "units", "expected"),
    [(1, False, 2, 0), (2, False, 2, 0), (3, False, 2, 200), (6, False, 2, 800), (6, True, 2, 0)],
)
def test_carry_up_is_charged_per_unit_per_floor_above_the_free_floors(
    floor: int, elevator: bool, units: int, expected: int
) -> None:
    surcharge = Surcharge(kind=SurchargeKind.CARRY_UP, amount_fen=100, free_floors=2)
    assert (
        carry_up_fen(surcharge=surcharge, floor=floor, has_elevator=elevator, units=units)
        == expected
    )


@pytest.mark.django_db
def test_carry_up_applies_only_to_its_categories(team: Team) -> None:
    Surcharge.objects.create(
        company=team.company,
        name="水",
        kind="carry_up",
        amount_fen=100,
        free_floors=1,
        categories=["water"],
    )
    Surcharge.objects.create(
        company=team.company,
        name="气",
        kind="carry_up",
        amount_fen=300,
        free_floors=1,
        categories=["gas"],
    )
    water = ProductFactory(company=team.company, category="water")
    gas = ProductFactory(company=team.company, category="gas")
    assert (
        carry_up_total_fen(
            company=team.company, product=water, floor=4, has_elevator=False, units=1
        )
        == 300
    )
    assert (
        carry_up_total_fen(company=team.company, product=gas, floor=4, has_elevator=False, units=1)
        == 900
    )


@pytest.mark.django_db
def test_ticket_types_offer_only_the_companys_products(
    team: Team, other_team: Team, owner_client
) -> None:  # type: ignore[no-untyped-def]
    ProductFactory(company=other_team.company, name="别家的水")
    mine = ProductFactory(company=team.company, name="自家的水")
    page = owner_client.get(reverse("catalog:ticket_type_create")).content.decode()
    assert "自家的水" in page
    assert "别家的水" not in page
    response = owner_client.post(
        reverse("catalog:ticket_type_create"),
        {"name": "水票", "kind": "water", "products": [mine.pk]},
    )
    assert response.status_code == 302
    assert list(mine.ticket_types.values_list("name", flat=True)) == ["水票"]


@pytest.mark.django_db
def test_the_admin_lists_only_the_owners_company_rows(
    team: Team, other_team: Team, owner_client
) -> None:  # type: ignore[no-untyped-def]
    ProductFactory(company=team.company, name="自家产品")
    ProductFactory(company=other_team.company, name="别家产品")
    body = owner_client.get(reverse("admin:catalog_product_changelist")).content.decode()
    assert "自家产品" in body
    assert "别家产品" not in body
