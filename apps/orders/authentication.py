"""API clients authenticate with ``Authorization: Bearer <token>``; the company is the client's."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from apps.orders.models import ApiClient
from apps.orders.services.clients import TOKEN_PREFIX, api_client_touch, token_hash
from apps.org.api_permissions import SectionPermission

MAX_TOKEN_LENGTH = 100


def api_client_for_token(token: str) -> ApiClient | None:
    """The active client holding this token, or None (unknown, revoked or switched off)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    return (
        # The order settings come along: taking an order reads them.
        ApiClient.objects.select_related("company", "company__order_settings")
        .filter(
            token_hash=token_hash(token),
            is_active=True,
            revoked_at__isnull=True,
            company__is_active=True,
        )
        .first()
    )


class ApiClientAuthentication(BaseAuthentication):
    """Sets ``request.auth`` to the :class:`ApiClient` and ``request.company`` to its company.

    The user stays anonymous: a client is not a person, and permissions that
    look for a staff member (the session API) do not apply to it.
    """

    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[AnonymousUser, ApiClient] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("The Authorization header must be “Bearer <token>”."))
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Invalid or revoked token.")) from None
        client = api_client_for_token(token)
        if client is None:
            raise AuthenticationFailed(_("Invalid or revoked token."))
        api_client_touch(client=client)
        django_request = request._request
        django_request.company = client.company
        django_request.staff = None
        return AnonymousUser(), client

    def authenticate_header(self, request: Any) -> str:
        return f'{self.keyword} realm="api"'


class IsApiClient(BasePermission):
    """Only an API client (the phone system's hook): staff sessions have the pages instead."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return isinstance(request.auth, ApiClient)


class OrdersApiPermission(BasePermission):
    """An API client, or a signed-in staff member whose role opens the orders section."""

    staff_permission = SectionPermission.for_section("orders")()

    def has_permission(self, request: Any, view: Any) -> bool:
        if isinstance(request.auth, ApiClient):
            return True
        return self.staff_permission.has_permission(request, view)


class ApiClientScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "apps.orders.authentication.ApiClientAuthentication"
    name = "apiClientToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _(
                    "The token shown once when an owner creates an API client "
                    "(Orders → API clients); it starts with “sd_”."
                )
            ),
        }
