from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class OrderError(ValidationError):
    """An order action was refused; the message says why, in the user's language."""


class IllegalTransition(OrderError):
    """The life cycle does not allow this move from the order's current status (API: 409)."""


class DuplicateExternalOrder(OrderError):
    """The channel's order number is already in the pool; ``order`` is the one that exists."""

    def __init__(self, message: Any, *, order: Any) -> None:
        super().__init__(message)
        self.order = order
