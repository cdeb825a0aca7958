from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.fleet.models import (
    CommissionSettings,
    CourierAction,
    CourierPosition,
    CourierRoute,
    DeliveryPhoto,
    DispatchSettings,
    GrabOffer,
    HandoverConfirmation,
    RoutePlan,
    RouteStop,
    Shift,
    Vehicle,
)
from apps.org.admin import OwnerModelAdmin, ReadOnlyOwnerAdmin


@admin.register(Vehicle)
class VehicleAdmin(OwnerModelAdmin):
    list_display = ["name", "kind", "plate", "capacity_units", "depot", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "plate"]


@admin.register(Shift)
class ShiftAdmin(OwnerModelAdmin):
    """For repair: a shift a courier forgot to end can be set right here."""

    list_display = ["date", "courier", "depot", "vehicle", "starts_at", "ends_at", "status"]
    list_filter = ["status", ("depot", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["courier__user__first_name", "courier__user__username"]
    date_hierarchy = "date"
    readonly_fields = ["started_at", "ended_at"]


@admin.register(DispatchSettings)
class DispatchSettingsAdmin(OwnerModelAdmin):
    list_display = ["depot", "policy", "grab_radius_km", "grab_timeout_minutes", "max_open_orders"]


@admin.register(CourierPosition)
class CourierPositionAdmin(ReadOnlyOwnerAdmin):
    list_display = ["recorded_at", "courier", "latitude", "longitude", "accuracy_m", "received_at"]
    search_fields = ["courier__user__first_name", "courier__user__username"]
    date_hierarchy = "recorded_at"
    list_select_related = ["courier__user"]


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CourierRouteInline(ReadOnlyInline):
    model = CourierRoute
    fields = readonly_fields = (
        "courier",
        "vehicle",
        "starts_at",
        "ends_at",
        "break_at",
        "distance_m",
        "duration_s",
        "trip_loads",
    )


class StopInline(ReadOnlyInline):
    model = RouteStop
    fields = readonly_fields = (
        "courier",
        "trip",
        "sequence",
        "order",
        "arrival_at",
        "departure_at",
        "load_after",
        "dropped_reason",
    )


@admin.register(RoutePlan)
class RoutePlanAdmin(ReadOnlyOwnerAdmin):
    """Plans are made and published by the planning job; here they are looked up."""

    list_display = ["__str__", "status", "progress", "created_at", "published_at"]
    list_filter = ["status"]
    date_hierarchy = "date"
    inlines = [CourierRouteInline, StopInline]


@admin.register(GrabOffer)
class GrabOfferAdmin(ReadOnlyOwnerAdmin):
    """Offers of the grab pool (抢单): who was offered what, and how it ended."""

    list_display = ["offered_at", "order", "depot", "expires_at", "outcome", "courier", "closed_at"]
    list_filter = ["outcome"]
    date_hierarchy = "offered_at"


@admin.register(CommissionSettings)
class CommissionSettingsAdmin(OwnerModelAdmin):
    list_display = ["company", "per_order_fen", "per_unit_fen", "per_floor_fen"]


@admin.register(CourierAction)
class CourierActionAdmin(ReadOnlyOwnerAdmin):
    """What couriers' phones sent: for finding out what happened to a stop."""

    list_display = ["occurred_at", "courier", "kind", "order", "outcome", "message", "received_at"]
    list_filter = ["kind", "outcome"]
    search_fields = ["order__number", "key"]


@admin.register(DeliveryPhoto)
class DeliveryPhotoAdmin(ReadOnlyOwnerAdmin):
    list_display = ["taken_at", "order", "courier", "purpose"]
    list_filter = ["purpose"]
    search_fields = ["order__number"]


@admin.register(HandoverConfirmation)
class HandoverConfirmationAdmin(ReadOnlyOwnerAdmin):
    list_display = ["day", "courier", "confirmed_at"]
    date_hierarchy = "day"
