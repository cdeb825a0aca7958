"""Colours on the dispatcher's maps: one per courier, the same on the board and the plan page.

A courier's colour comes from his id, so it stays his whatever the order of the
list or the statuses of his orders. None is close to the fills of the order
statuses (``ORDER_STATUS_COLOURS``, drawn by ``static/js/board.js`` and the legend
in ``static/css/fleet.css``): an order's ring in its courier's colour must not be
taken for its status.
"""

from __future__ import annotations

from typing import Final

ORDER_STATUS_COLOURS: Final = {
    "pending": "#d68910",
    "assigned": "#1d4f91",
    "out_for_delivery": "#0288d1",
    "delivered": "#2e7d32",
    "failed": "#b3261e",
}

COURIER_PALETTE: Final = (
    "#7b1fa2",
    "#00897b",
    "#c2185b",
    "#afb42b",
    "#5d4037",
    "#e040fb",
    "#ff80ab",
    "#90a4ae",
)


def courier_colour(courier_id: int) -> str:
    return COURIER_PALETTE[courier_id % len(COURIER_PALETTE)]
