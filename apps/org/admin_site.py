"""The admin is for repair and look-up: superusers see all, owners their own company."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from apps.org.models import Role


def is_owner(request: HttpRequest) -> bool:
    staff = getattr(request, "staff", None)
    return staff is not None and staff.role == Role.OWNER


class OwnerAdminSite(admin.AdminSite):
    site_header = "送达 Songda"
    site_title = "Songda"

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and (request.user.is_superuser or is_owner(request))

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.user.is_authenticated:
            raise PermissionDenied(_("Only the company owner may repair data here."))
        return redirect_to_login(request.GET.get("next", request.path))
