"""View guards: log-in, company membership and role, in one decorator."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from apps.org.models import Role
from apps.org.navigation import section_roles

View = Callable[..., HttpResponse]


def roles_required(roles: frozenset[str]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            staff = getattr(request, "staff", None)
            if staff is None:
                raise PermissionDenied(_("Your account does not belong to any company yet."))
            if staff.role not in roles:
                raise PermissionDenied(_("Your role does not open this page."))
            return view(request, *args, **kwargs)

        return guarded

    return decorator


def section_required(key: str) -> Callable[[View], View]:
    """Allow the roles that open this section of the back office (see navigation)."""
    return roles_required(section_roles(key))


member_required = roles_required(frozenset(Role.values))
