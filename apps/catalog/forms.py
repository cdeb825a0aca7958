from __future__ import annotations

from typing import Any

from django import forms
from django.forms import inlineformset_factory

from apps.catalog.models import (
    Category,
    ContainerType,
    CustomerGroup,
    PriceList,
    PriceListItem,
    Product,
    Surcharge,
    TicketPackage,
    TicketType,
)
from apps.core.money import YuanField
from apps.org.scoping import CompanyScopedForm


class ProductForm(CompanyScopedForm):
    price_fen = YuanField(label=Product._meta.get_field("price_fen").verbose_name)

    class Meta:
        model = Product
        fields = [
            "sku",
            "name",
            "brand",
            "unit",
            "category",
            "price_fen",
            "load_units",
            "container_type",
            "required_skill",
            "is_active",
        ]


class ContainerTypeForm(CompanyScopedForm):
    deposit_fen = YuanField(label=ContainerType._meta.get_field("deposit_fen").verbose_name)

    class Meta:
        model = ContainerType
        fields = ["name", "deposit_fen", "is_active"]


class TicketTypeForm(CompanyScopedForm):
    class Meta:
        model = TicketType
        fields = ["name", "kind", "products", "is_active"]
        widgets = {"products": forms.CheckboxSelectMultiple}


class TicketPackageForm(CompanyScopedForm):
    price_fen = YuanField(label=TicketPackage._meta.get_field("price_fen").verbose_name)

    class Meta:
        model = TicketPackage
        fields = ["ticket_type", "name", "paid_tickets", "bonus_tickets", "price_fen", "is_active"]


class CustomerGroupForm(CompanyScopedForm):
    class Meta:
        model = CustomerGroup
        fields = ["name", "description"]


class PriceListForm(CompanyScopedForm):
    class Meta:
        model = PriceList
        fields = ["name", "customer_group", "valid_from", "valid_until", "is_active"]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }


class PriceListItemForm(forms.ModelForm):  # type: ignore[type-arg]
    price_fen = YuanField(label=PriceListItem._meta.get_field("price_fen").verbose_name)

    class Meta:
        model = PriceListItem
        fields = ["product", "price_fen"]


PriceListItemFormSet = inlineformset_factory(
    PriceList, PriceListItem, form=PriceListItemForm, extra=3, can_delete=True
)


class SurchargeForm(CompanyScopedForm):
    amount_fen = YuanField(label=Surcharge._meta.get_field("amount_fen").verbose_name)
    categories = forms.MultipleChoiceField(
        label=Surcharge._meta.get_field("categories").verbose_name,
        help_text=Surcharge._meta.get_field("categories").help_text,
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Surcharge
        fields = ["name", "kind", "amount_fen", "free_floors", "categories", "is_active"]

    def clean_categories(self) -> list[Any]:
        return sorted(self.cleaned_data["categories"])
