"""Factories for the rows every test needs; each app's tests add their own beside them."""

from __future__ import annotations

from decimal import Decimal

import factory

from apps.catalog.models import Category, ContainerType, CustomerGroup, Product, TicketType
from apps.org.models import Company, Depot, Role, StaffMember, User

PASSWORD = "correct-horse-42"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"测试水站{n}")


class DepotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Depot

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"站点{n}")
    address = "杭州市西湖区文三路 1 号"
    latitude = Decimal("30.277310")
    longitude = Decimal("120.133950")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"员工{n}")
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    company = factory.SubFactory(CompanyFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.DISPATCHER


class ContainerTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContainerType

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"18.9L 水桶 {n}")
    deposit_fen = 3000


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    company = factory.SubFactory(CompanyFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    name = factory.Sequence(lambda n: f"桶装水 {n}")
    brand = "农夫山泉"
    category = Category.WATER
    price_fen = 2200


class TicketTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketType

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"水票 {n}")
    kind = "water"


class CustomerGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerGroup

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"客户组 {n}")
