from __future__ import annotations

from django.contrib import admin

from apps.customers.models import Address, Customer, CustomerPhone, Tag
from apps.org.admin import OwnerModelAdmin


class PhoneInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CustomerPhone
    fields = ["number", "kind", "is_primary"]
    extra = 0


class AddressInline(admin.StackedInline):  # type: ignore[type-arg]
    model = Address
    fields = ["street", "community", "building", "unit", "room", "floor", "has_elevator",
              "latitude", "longitude", "precision", "depot", "is_default"]
    extra = 0


@admin.register(Customer)
class CustomerAdmin(OwnerModelAdmin):
    list_display = ["code", "name", "customer_type", "billing_mode", "status", "created_at"]
    list_filter = ["status", "customer_type", "billing_mode"]
    search_fields = ["code", "name", "phones__number"]
    inlines = [PhoneInline, AddressInline]
    readonly_fields = ["name_initials"]
    exclude = ["search_text"]

    def get_inline_instances(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Phones and addresses keep the search line current only through the services.
        return [] if obj is None else super().get_inline_instances(request, obj)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(Tag)
class TagAdmin(OwnerModelAdmin):
    list_display = ["name", "highlight"]
