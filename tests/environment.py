"""Optional tools (Chromium, gettext, PostgreSQL): skip with a reason locally, fail under CI."""

from __future__ import annotations

import os
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_or_skip(available: Any, reason: str) -> None:
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} — required under CI", pytrace=False)
    pytest.skip(reason)
