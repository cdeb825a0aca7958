"""An API client of the order world's company, and a small HTTP helper around Django's test client."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client

from apps.orders.models import ApiClient
from apps.orders.services.clients import api_client_create
from tests.conftest import Team
from tests.orders.conftest import OrderWorld, make_order_world

ORDERS = "/api/v1/orders/"


def body_of(payload: Any) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


@dataclass
class ApiWorld:
    ow: OrderWorld
    client: ApiClient
    token: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ow, name)

    def http(self, token: str | None = None) -> Client:
        return Client(headers={"Authorization": f"Bearer {token or self.token}"})

    def post(
        self,
        path: str,
        payload: Any,
        *,
        key: str | None = None,
        token: str | None = None,
        **headers: str,
    ) -> HttpResponse:
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.http(token).post(  # type: ignore[return-value]
            path, body_of(payload), content_type="application/json", headers=headers
        )

    def get(self, path: str, token: str | None = None, **params: Any) -> HttpResponse:
        return self.http(token).get(path, params)  # type: ignore[return-value]

    def order_body(self, **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "customer": self.ow.customer.pk,
            "lines": [{"product": self.ow.water.pk, "quantity": 2}],
        }
        body.update(fields)
        return body


def make_api_world(ow: OrderWorld, name: str = "小程序") -> ApiWorld:
    client, token = api_client_create(company=ow.company, name=name, channel="mini_program")
    return ApiWorld(ow=ow, client=client, token=token)


@pytest.fixture
def api(ow: OrderWorld) -> ApiWorld:
    return make_api_world(ow)


@pytest.fixture
def other_api(other_team: Team) -> ApiWorld:
    return make_api_world(make_order_world(other_team), name="别家小程序")
