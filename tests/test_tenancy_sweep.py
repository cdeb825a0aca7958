"""Every URL, requested by every role of company B, never shows company A's data.

URL patterns are discovered from the resolver (HTML pages, admin, API). A URL
with arguments must be taught to the sweep (``tests/<app>/fillers.py``); until
then this test fails, so no new page escapes the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.org.models import Role
from tests.conftest import Team, make_team
from tests.tenancy import MARKER, collect

SKIPPED_NAMESPACES = {"djdt"}
OK_FOR_FOREIGN_OBJECT = {302, 403, 404, 405}


@dataclass(frozen=True)
class Route:
    name: str
    arguments: frozenset[str]


def _walk(patterns: list[Any], namespace: str = "", inherited: frozenset[str] = frozenset()):  # type: ignore[no-untyped-def]
    for entry in patterns:
        arguments = inherited | frozenset(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            child = (
                f"{namespace}:{entry.namespace}"
                if namespace and entry.namespace
                else (entry.namespace or namespace)
            )
            yield from _walk(entry.url_patterns, child, arguments)
        elif isinstance(entry, URLPattern) and entry.name:
            yield Route(f"{namespace}:{entry.name}" if namespace else entry.name, arguments)


def discover_routes() -> list[Route]:
    routes = set(_walk(get_resolver().url_patterns))
    return sorted(
        (r for r in routes if r.name.split(":")[0] not in SKIPPED_NAMESPACES),
        key=lambda r: (r.name, sorted(r.arguments)),
    )


def admin_model_for(route_name: str) -> str | None:
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if route_name.startswith(prefix):
            return model._meta.label_lower
    return None


class Victim:
    """Company A's rows, made on demand, one per model."""

    def __init__(self, team: Team) -> None:
        self.team = team
        self.objects, self.url_objects = collect()
        self.made: dict[str, Any] = {}

    def row(self, label: str) -> Any:
        if label not in self.made:
            assert label in self.objects, (
                f"The tenancy sweep cannot make a {label}: add it to OBJECTS in tests/<app>/fillers.py"
            )
            self.made[label] = self.objects[label](self.team.company)
        return self.made[label]

    def kwargs_for(self, route: Route) -> dict[str, Any]:
        spec = self.url_objects.get(route.name) or admin_model_for(route.name)
        kwargs: dict[str, Any] = {}
        for argument in route.arguments:
            label = spec.get(argument) if isinstance(spec, dict) else spec
            kwargs[argument] = self._value(route, argument, label)
        return kwargs

    def _value(self, route: Route, argument: str, label: str | None) -> Any:
        if argument == "format":
            return "json"
        if argument == "app_label":
            return "catalog"
        if argument in {"content_type_id", "object_id"} and route.name == "admin:view_on_site":
            product = self.row("catalog.product")
            if argument == "content_type_id":
                return ContentType.objects.get_for_model(product).pk
            return product.pk
        assert label is not None, (
            f"The tenancy sweep does not know what '{argument}' of {route.name} means: "
            "add the URL to URL_OBJECTS in tests/<app>/fillers.py"
        )
        return self.row(label).pk


def _assert_never_leaks(route: Route, url: str, role: str, client: Client, victim: Victim) -> None:
    statuses = set()
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        statuses.add(response.status_code)
        body = response.content.decode(errors="replace")
        where = f"{method.upper()} {url} ({route.name}) as {role} of company B"
        assert response.status_code < 500, f"{where} → {response.status_code}"
        assert MARKER not in body, f"{where} showed company A's data"
        if route.arguments - {"format", "app_label"}:
            assert response.status_code in OK_FOR_FOREIGN_OBJECT, (
                f"{where} answered {response.status_code} for another company's object"
            )
    needs_404 = route.arguments - {"format", "app_label"} and not route.name.startswith("admin:")
    if role == Role.OWNER and needs_404:
        # The owner opens every section, so only the 404 stands between him and the row.
        assert 404 in statuses, f"{url} ({route.name}) must be a 404 for company B: {statuses}"


@pytest.mark.django_db
def test_no_url_shows_another_companys_data() -> None:
    victim = Victim(make_team(f"{MARKER}公司"))
    for label in victim.objects:
        victim.row(label)
    intruders = make_team()
    routes = discover_routes()
    assert len(routes) > 30, "URL discovery found suspiciously few routes"
    for route in routes:
        url = reverse(route.name, kwargs=victim.kwargs_for(route))
        for role in Role.values:
            _assert_never_leaks(route, url, role, intruders.client_for(role), victim)


@pytest.mark.django_db
def test_every_admin_model_can_be_filled() -> None:
    objects, _ = collect()
    registered = {model._meta.label_lower for model in admin.site._registry}
    missing = registered - set(objects)
    assert not missing, f"Teach the tenancy sweep to make: {sorted(missing)}"
    assert apps.get_model("catalog", "Product")._meta.label_lower in registered
