from __future__ import annotations

from django.contrib import admin

from apps.org.admin import OwnerModelAdmin, ReadOnlyOwnerAdmin
from apps.subscriptions.models import (
    CalendarChange,
    GenerationRun,
    Plan,
    PlanItem,
    Subscription,
    SubscriptionSettings,
)


class PlanItemInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PlanItem
    extra = 1


@admin.register(Plan)
class PlanAdmin(OwnerModelAdmin):
    list_display = ["name", "schedule", "slot", "term", "price_fen", "is_active"]
    list_filter = ["term", "schedule", "is_active"]
    inlines = [PlanItemInline]


class ChangeInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CalendarChange
    fields = readonly_fields = (
        "at",
        "kind",
        "day",
        "until",
        "quantity",
        "product",
        "channel",
        "actor",
    )
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyOwnerAdmin):
    """Subscriptions change through the back-office pages (calendar, renew); here they are looked up."""

    list_display = ["number", "customer", "plan", "status", "start_date", "end_date"]
    list_filter = ["status", "plan"]
    search_fields = ["customer__name", "customer__code"]
    inlines = [ChangeInline]


@admin.register(GenerationRun)
class GenerationRunAdmin(ReadOnlyOwnerAdmin):
    list_display = ["day", "created", "short", "started_at", "finished_at"]


@admin.register(SubscriptionSettings)
class SubscriptionSettingsAdmin(OwnerModelAdmin):
    list_display = ["company", "cutoff", "auto_pause", "not_home_rule"]
