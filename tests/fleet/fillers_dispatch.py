"""The grab pool's URLs for the tenancy sweep: each names company A's order by its pk."""

from __future__ import annotations

URL_OBJECTS = {
    "fleet:grab_claim": "orders.order",
    "fleet:grab_decline": "orders.order",
}
