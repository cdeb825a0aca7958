"""The OpenAPI schema validates, the docs are served offline, and fuzzing the API finds no 5xx."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.core import NotSet
from schemathesis.generation import GenerationMode

from apps.orders.platforms import sign
from tests.orders.api_world import ApiWorld, api

pytestmark = pytest.mark.django_db
__all__ = ["api"]

EXAMPLES = 20


def _schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-any-return]


def test_the_openapi_schema_validates(db: None) -> None:
    schema = _schema()

    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/orders/", "/api/v1/orders/{id}/cancel/", "/api/v1/calls/incoming"} <= set(
        schema["paths"]
    )
    assert schema["components"]["securitySchemes"]["apiClientToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["apiClientToken"]["description"],
    }
    create = schema["paths"]["/api/v1/orders/"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"]}


def test_the_schema_and_the_docs_are_served_without_a_cdn(db: None) -> None:
    client = Client()
    schema = client.get("/api/v1/schema/", headers={"Accept": "application/json"})
    docs = client.get("/api/v1/docs/")

    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Songda API"
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert "//unpkg" not in page and "jsdelivr" not in page


def _steer(api: ApiWorld, body: Any) -> Any:
    """Point half of the generated orders at a real customer and product, to get past lookups."""
    if not isinstance(body, dict) or hash(json.dumps(body, sort_keys=True, default=str)) % 2:
        return body
    body = {**body, "customer": api.customer.pk}
    if isinstance(body.get("lines"), list):
        body["lines"] = [
            {**line, "product": api.water.pk} if isinstance(line, dict) else line
            for line in body["lines"]
        ]
    return body


def _send(api: ApiWorld, case: Any) -> Any:
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    headers["Authorization"] = f"Bearer {api.token}"
    if isinstance(case.body, NotSet):
        body = b""
    elif isinstance(case.body, bytes):
        body = case.body
    elif case.method == "POST" and case.path == "/api/v1/orders/":
        body = json.dumps(_steer(api, case.body)).encode()
    else:
        body = json.dumps(case.body).encode()
    path = case.formatted_path
    if "{client_id}" in case.path:
        # Reach past the signature check: the client exists and the body is signed.
        path = f"/api/v1/platforms/{api.client.pk}/orders/"
        headers["X-Songda-Signature"] = sign(api.client.webhook_secret, body)
    query = urlencode(case.query or {}, doseq=True)
    return Client().generic(
        case.method,
        path,
        body,
        content_type=case.media_type or "application/json",
        headers=headers,
        QUERY_STRING=query,
    )


def test_fuzzing_the_api_finds_no_server_error(api: ApiWorld) -> None:
    mapping = {
        "external_id": "id",
        "phone": "phone",
        "name": "name",
        "address": "address",
        "lines": "items",
        "line_sku": "sku",
        "line_quantity": "qty",
    }
    api.client.field_mapping = mapping
    api.client.save()
    order = api.ow.order()
    schema = schemathesis.openapi.from_dict(_schema())
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies = [operation.as_strategy(generation_mode=mode)]
            if "{id}" in operation.path:
                strategies.append(
                    operation.as_strategy(generation_mode=mode, path_parameters={"id": order.pk})
                )

            @given(case=st.one_of(strategies))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def probe(case: Any) -> None:
                response = _send(api, case)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} → {response.status_code}")

            try:
                probe()
            except Unsatisfiable:
                # Nothing to negate (an operation without parameters or body).
                assert mode == GenerationMode.NEGATIVE, operation.label
    assert failures == []
