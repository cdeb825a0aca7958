from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from apps.org.selectors import current_membership

SESSION_COMPANY_KEY = "songda_company_id"


class CurrentCompanyMiddleware:
    """Attach ``request.company`` and ``request.staff`` (the user's role there)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.company = None  # type: ignore[attr-defined]
        request.staff = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            staff = current_membership(
                user=request.user, company_id=request.session.get(SESSION_COMPANY_KEY)
            )
            if staff is not None:
                request.company = staff.company  # type: ignore[attr-defined]
                request.staff = staff  # type: ignore[attr-defined]
        return self.get_response(request)


class UserLanguageMiddleware:
    """A user's saved language wins over the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = getattr(request.user, "language", "") if request.user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
