from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from apps.org.navigation import active_section_key, sections_for_role
from apps.org.selectors import memberships_of, unread_notice_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    staff = getattr(request, "staff", None)
    context: dict[str, Any] = {"map_tile_url": settings.MAP_TILE_URL}
    if staff is None:
        return {**context, "nav_sections": [], "current_staff": None}
    return {
        **context,
        "nav_sections": sections_for_role(staff.role),
        "active_section": active_section_key(request),
        "current_staff": staff,
        "current_company": staff.company,
        # Called by the template only when the switcher is drawn.
        "user_memberships": lambda: list(memberships_of(user=request.user)),
        "unread_notices": lambda: unread_notice_count(staff=staff),
    }
