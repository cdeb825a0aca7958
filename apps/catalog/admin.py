from __future__ import annotations

from django.contrib import admin

from apps.catalog.models import (
    ContainerType,
    CustomerGroup,
    PriceList,
    PriceListItem,
    Product,
    Surcharge,
    TicketPackage,
    TicketType,
)
from apps.org.admin import OwnerModelAdmin


@admin.register(Product)
class ProductAdmin(OwnerModelAdmin):
    list_display = ["sku", "name", "brand", "category", "price_fen", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["sku", "name", "brand"]


@admin.register(ContainerType)
class ContainerTypeAdmin(OwnerModelAdmin):
    list_display = ["name", "deposit_fen", "is_active"]


@admin.register(TicketType)
class TicketTypeAdmin(OwnerModelAdmin):
    list_display = ["name", "kind", "is_active"]
    filter_horizontal = ["products"]


@admin.register(TicketPackage)
class TicketPackageAdmin(OwnerModelAdmin):
    list_display = ["name", "ticket_type", "paid_tickets", "bonus_tickets", "price_fen"]


@admin.register(CustomerGroup)
class CustomerGroupAdmin(OwnerModelAdmin):
    list_display = ["name", "description"]


class PriceListItemInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PriceListItem
    exclude = ["company"]
    extra = 1

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "product" and not request.user.is_superuser:
            kwargs["queryset"] = Product.objects.filter(company=getattr(request, "company", None))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(PriceList)
class PriceListAdmin(OwnerModelAdmin):
    list_display = ["name", "customer_group", "valid_from", "valid_until", "is_active"]
    inlines = [PriceListItemInline]

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        for item in formset.save(commit=False):
            item.company = form.instance.company
            item.save()
        for removed in formset.deleted_objects:
            removed.delete()


@admin.register(Surcharge)
class SurchargeAdmin(OwnerModelAdmin):
    list_display = ["name", "kind", "amount_fen", "free_floors", "is_active"]
