"""API clients authenticate with ``Authorization: Bearer <token>``; the company is the client's."""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from apps.core.rows import ModelColumns, fetch_rows
from apps.orders.models import ApiClient, OrderSettings
from apps.orders.services.clients import TOKEN_PREFIX, api_client_touch, token_hash
from apps.org.api_permissions import SectionPermission
from apps.org.models import Company

MAX_TOKEN_LENGTH = 100


CLIENT = ModelColumns(ApiClient, "client")
COMPANY = ModelColumns(Company, "company")
ORDER_SETTINGS = ModelColumns(OrderSettings, "settings")


@cache
def _client_sql() -> str:
    """The client with its company and the company's order settings (taking an order reads
    them), in one statement built once: every API request runs it."""
    return (
        f"SELECT {CLIENT.select()}, {COMPANY.select()}, {ORDER_SETTINGS.select()} "
        f"FROM {CLIENT.table} "
        f"JOIN {COMPANY.table} ON {COMPANY.column('id')} = {CLIENT.column('company')} "
        f"LEFT JOIN {ORDER_SETTINGS.table} "
        f"ON {ORDER_SETTINGS.column('company')} = {COMPANY.column('id')} "
        f"WHERE {CLIENT.column('token_hash')} = %s AND {CLIENT.column('is_active')} = %s "
        f"AND {CLIENT.column('revoked_at')} IS NULL AND {COMPANY.column('is_active')} = %s"
    )


def api_client_for_token(token: str) -> ApiClient | None:
    """The active client holding this token, or None (unknown, revoked or switched off)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    rows = fetch_rows(_client_sql(), [token_hash(token), True, True])
    if not rows:
        return None
    row = rows[0]
    client = cast(ApiClient, CLIENT.instance(row, 0))
    company = cast(Company, COMPANY.instance(row, len(CLIENT)))
    settings = ORDER_SETTINGS.instance(row, len(CLIENT) + len(COMPANY))
    client.company = company
    Company.order_settings.related.set_cached_value(company, settings)
    if settings is not None:
        settings.company = company
    return client


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
