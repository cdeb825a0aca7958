"""The demo world: each app adds its part in ``apps/<app>/demo.py``.

``seed_demo`` calls every app's ``seed(world)`` in the order of INSTALLED_APPS,
which is the dependency order, so an app can use what lower apps created. Every
seed is idempotent: running it twice changes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

DEMO_PASSWORD = "songda123"


@dataclass
class DemoWorld:
    today: date
    log: Callable[[str], None] = print
    rng: random.Random = field(default_factory=lambda: random.Random(20261122))
    companies: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
