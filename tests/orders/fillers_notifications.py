"""The tenancy sweep's view of the message pages and tracking links.

The rows themselves (orders, messages, texts) come from ``fillers.py``. A
message text is addressed by event and language, not by id: the sweep passes
another company's row id there, which names no event, so it must be a 404.
The public tracking page takes a token; an order id is no token.
"""

from __future__ import annotations

URL_OBJECTS = {
    "orders:message_retry": "orders.notification",
    "orders:template_edit": {
        "event": "orders.notificationtemplate",
        "language": "orders.notificationtemplate",
    },
    "orders:tracking_revoke": "orders.order",
    "orders:tracking_renew": "orders.order",
    "tracking:page": {"token": "orders.order"},
}
