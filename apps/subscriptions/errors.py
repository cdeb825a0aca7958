from __future__ import annotations

from django.core.exceptions import ValidationError


class SubscriptionError(ValidationError):
    """A subscription action was refused; the message says why, in the user's language."""
