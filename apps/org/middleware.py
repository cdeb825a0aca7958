from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
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


class LanguageMiddleware:
    """Simplified Chinese unless the person chose otherwise.

    The browser's Accept-Language is deliberately ignored: a station's phones and
    PCs often ship with English system settings. A logged-in user's saved
    language wins, then the language cookie set on the log-in page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self._chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response

    @staticmethod
    def _chosen_language(request: HttpRequest) -> str:
        supported = {code for code, _name in settings.LANGUAGES}
        saved = getattr(request.user, "language", "") if request.user.is_authenticated else ""
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        for candidate in (saved, cookie):
            if candidate in supported:
                return candidate
        return settings.LANGUAGE_CODE
