"""The distance provider the product uses, and our vehicle kinds as the planner's speed profiles.

Great-circle distance × a detour factor by default (no network needed); an OSRM
server's table service when ``OSRM_URL`` is set. Matrices are cached per process
and the cache is shared by request threads under a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache

from django.conf import settings

from apps.fleet.models import VehicleKind
from apps.fleet.planner.distances import (
    CachedProvider,
    DistanceProvider,
    GreatCircleProvider,
    Matrix,
    OSRMProvider,
)
from apps.fleet.planner.model import GeoPoint

SPEED_PROFILES: dict[str, str] = {
    VehicleKind.E_TRIKE: "tricycle",
    VehicleKind.MOTORBIKE: "scooter",
    VehicleKind.VAN: "van",
    VehicleKind.CAR: "car",
    VehicleKind.ON_FOOT: "foot",
}
DEFAULT_PROFILE = "tricycle"


def speed_profile(kind: str | None) -> str:
    return SPEED_PROFILES.get(kind or "", DEFAULT_PROFILE)


class _LockedProvider:
    """One LRU of matrices per process, shared by request threads."""

    def __init__(self, inner: DistanceProvider) -> None:
        self.cache = CachedProvider(inner, maxsize=512)
        self.lock = threading.Lock()

    def matrix(
        self, points: Sequence[GeoPoint], vehicle_type: str = "car"
    ) -> tuple[Matrix, Matrix]:
        with self.lock:
            return self.cache.matrix(points, vehicle_type)


@lru_cache(maxsize=4)
def _provider_for(osrm_url: str) -> DistanceProvider:
    return _LockedProvider(OSRMProvider(osrm_url) if osrm_url else GreatCircleProvider())


def distance_provider() -> DistanceProvider:
    return _provider_for(settings.OSRM_URL)
