"""The tenancy sweep's view of the API and the API clients pages (rows come from ``fillers.py``).

The platform webhook is addressed by client id and answers 404 to any request
it cannot verify, so a signed-in member of another company gets a 404 there too.
"""

from __future__ import annotations

from typing import Any

from apps.customers.selectors.customers import customer_by_phone
from apps.orders.models import IncomingCall
from apps.orders.services.calls import call_record
from tests.customers.fillers import make_customer

PHONE = "13900005502"  # the marker customer's number (customers' fillers)


def _call(company: Any) -> IncomingCall:
    if customer_by_phone(company=company, number=PHONE) is None:
        make_customer(company)
    return call_record(company=company, phone=PHONE)


OBJECTS = {"orders.incomingcall": _call}

URL_OBJECTS = {
    "api:order-detail": "orders.order",
    "api:order-cancel": "orders.order",
    "api:order-events": "orders.order",
    "api:platform-orders": {"client_id": "orders.apiclient"},
    "orders:client_detail": "orders.apiclient",
    "orders:client_revoke": "orders.apiclient",
    "orders:client_rotate_secret": "orders.apiclient",
    "orders:call_seen": "orders.incomingcall",
}
