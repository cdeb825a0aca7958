from __future__ import annotations

from django.contrib import admin

from apps.orders.models import (
    ApiClient,
    Notification,
    NotificationTemplate,
    Order,
    OrderEvent,
    OrderLine,
)
from apps.org.admin import OwnerModelAdmin, ReadOnlyOwnerAdmin


class LineInline(admin.TabularInline):  # type: ignore[type-arg]
    model = OrderLine
    fields = readonly_fields = (
        "product",
        "quantity",
        "unit_price_fen",
        "surcharge_fen",
        "delivered_quantity",
    )
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class EventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = OrderEvent
    fields = readonly_fields = (
        "at",
        "from_status",
        "to_status",
        "reason",
        "note",
        "actor",
        "actor_label",
        "courier",
    )
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyOwnerAdmin):
    """Orders change only through their life cycle; here they are looked up."""

    list_display = [
        "__str__",
        "customer",
        "status",
        "channel",
        "window_start",
        "courier",
        "total_fen",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["customer__name", "customer__code", "external_id"]
    date_hierarchy = "window_start"
    inlines = [LineInline, EventInline]
    exclude = ["tracking_token"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyOwnerAdmin):
    list_display = ["created_at", "event", "recipient", "channel", "status", "attempts"]
    list_filter = ["status", "event", "channel"]
    search_fields = ["recipient", "text"]


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(OwnerModelAdmin):
    list_display = ["event", "language"]


@admin.register(ApiClient)
class ApiClientAdmin(ReadOnlyOwnerAdmin):
    list_display = ["name", "channel", "token_prefix", "is_active", "last_used_at"]
    exclude = ["token_hash", "webhook_secret"]
