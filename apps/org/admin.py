from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.org.admin_site import is_owner
from apps.org.models import Company, Depot, Notice, StaffMember, User
from apps.org.scoping import CompanyScopedAdmin


class OwnerModelAdmin(CompanyScopedAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or is_owner(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)


class ReadOnlyOwnerAdmin(OwnerModelAdmin):
    """Rows that only services may write: shown for look-up, never edited here."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Company)
class CompanyAdmin(OwnerModelAdmin):
    list_display = ["name", "phone", "is_active", "created_at"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Company]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk=getattr(request.company, "pk", None))  # type: ignore[attr-defined]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(Depot)
class DepotAdmin(OwnerModelAdmin):
    list_display = ["name", "company", "address", "phone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "address"]


@admin.register(StaffMember)
class StaffMemberAdmin(OwnerModelAdmin):
    list_display = ["user", "company", "role", "home_depot", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__first_name", "user__mobile"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = User.objects.filter(
                memberships__company=getattr(request, "company", None)
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts are global (a person may work for several companies): superusers only."""

    list_display = ["username", "first_name", "mobile", "is_active", "is_superuser"]
    search_fields = ["username", "first_name", "mobile"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Songda", {"fields": ("mobile", "language")}),
    )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser


@admin.register(Notice)
class NoticeAdmin(OwnerModelAdmin):
    list_display = ["text", "recipient", "created_at", "read_at"]
    list_filter = ["read_at"]
