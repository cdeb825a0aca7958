"""Domain events higher apps (fleet, subscriptions) listen to; sent after commit.

``order_status_changed(sender=Order, order_id, company_id, depot_id, from_status, to_status,
reason)`` is sent once per status change, including creation (``from_status`` is "").
"""

from __future__ import annotations

from django.dispatch import Signal

order_status_changed = Signal()
