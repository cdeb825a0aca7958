from __future__ import annotations

from django.contrib import admin

from apps.customers.models import (
    Address,
    Customer,
    CustomerPhone,
    SlaRule,
    Tag,
    Ticket,
    TicketEvent,
)
from apps.org.admin import OwnerModelAdmin, ReadOnlyOwnerAdmin


class PhoneInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CustomerPhone
    fields = ["number", "kind", "is_primary"]
    extra = 0


class AddressInline(admin.StackedInline):  # type: ignore[type-arg]
    model = Address
    fields = [
        "street",
        "community",
        "building",
        "unit",
        "room",
        "floor",
        "has_elevator",
        "latitude",
        "longitude",
        "precision",
        "depot",
        "is_default",
    ]
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


class TicketEventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = TicketEvent
    fields = ["created_at", "kind", "actor", "from_status", "to_status", "note"]
    readonly_fields = ["created_at", "kind", "actor", "from_status", "to_status", "note"]
    extra = 0

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyOwnerAdmin):
    """Look-up only: tickets change through their services, which write the timeline."""

    list_display = [
        "id",
        "ticket_type",
        "customer",
        "priority",
        "status",
        "assignee",
        "due_at",
        "escalated_at",
    ]
    list_filter = ["status", "ticket_type", "priority"]
    search_fields = ["customer__name", "customer__code", "description", "order_reference"]
    list_select_related = ["customer", "assignee__user"]
    inlines = [TicketEventInline]


@admin.register(SlaRule)
class SlaRuleAdmin(OwnerModelAdmin):
    list_display = ["ticket_type", "priority", "hours"]
    list_filter = ["ticket_type"]
