from __future__ import annotations

from django.core.exceptions import ValidationError


class LedgerError(ValidationError):
    """A ledger action was refused; the message says why, in the user's language."""
