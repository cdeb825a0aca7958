from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from apps.org.navigation import section_roles


class SectionPermission(BasePermission):
    """API twin of ``section_required``: the roles that open a section may call its API."""

    section = ""

    @classmethod
    def for_section(cls, key: str) -> type[SectionPermission]:
        return type(f"{key.title()}SectionPermission", (cls,), {"section": key})

    def has_permission(self, request: Any, view: Any) -> bool:
        staff = getattr(request, "staff", None) or getattr(request._request, "staff", None)
        return staff is not None and staff.role in section_roles(self.section)
