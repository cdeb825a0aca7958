"""Travel distance and duration matrices between geographic points.

A provider returns two square integer matrices for a list of points and a vehicle type
(the speed profile): metres and seconds. Pairs with no road connection get
``UNREACHABLE_VALUE`` so the planner can drop their stops with reason "unreachable".
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Final, Protocol

import numpy as np

from apps.fleet.planner.model import GeoPoint

Matrix = list[list[int]]

UNREACHABLE_VALUE: Final = 1_000_000_000
EARTH_RADIUS_M: Final = 6_371_008.8
DEFAULT_SPEEDS_KMH: Final[Mapping[str, float]] = {
    "car": 30.0,
    "van": 25.0,
    "truck": 20.0,
    "scooter": 25.0,
    "bike": 15.0,
    "tricycle": 12.0,
    "foot": 5.0,
}


class DistanceProvider(Protocol):
    def matrix(
        self, points: Sequence[GeoPoint], vehicle_type: str = "car"
    ) -> tuple[Matrix, Matrix]:
        """(distance_m, duration_s), both len(points) x len(points)."""
        ...


def haversine_m(a: GeoPoint, b: GeoPoint) -> float:
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlng = math.radians(b.lng - a.lng)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


class GreatCircleProvider:
    """Haversine distance times a detour factor; duration from a per-vehicle-type speed."""

    def __init__(
        self,
        detour_factor: float = 1.3,
        speed_kmh: Mapping[str, float] | None = None,
        default_speed_kmh: float = 25.0,
    ) -> None:
        self.detour_factor = detour_factor
        self.speed_kmh = dict(DEFAULT_SPEEDS_KMH if speed_kmh is None else speed_kmh)
        self.default_speed_kmh = default_speed_kmh

    def matrix(
        self, points: Sequence[GeoPoint], vehicle_type: str = "car"
    ) -> tuple[Matrix, Matrix]:
        metres_per_s = self.speed_kmh.get(vehicle_type, self.default_speed_kmh) / 3.6
        lat = np.radians([p.lat for p in points])[:, None]
        lng = np.radians([p.lng for p in points])[:, None]
        h = (
            np.sin((lat.T - lat) / 2) ** 2
            + np.cos(lat) * np.cos(lat.T) * np.sin((lng.T - lng) / 2) ** 2
        )
        metres = np.rint(
            2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1))) * self.detour_factor
        )
        return metres.astype(np.int64).tolist(), np.rint(metres / metres_per_s).astype(
            np.int64
        ).tolist()


class OSRMError(RuntimeError):
    pass


class OSRMProvider:
    """OSRM ``table`` service over HTTP, standard library only.

    ``session`` is anything with urllib's ``OpenerDirector.open(url, timeout=...)``.
    ``profiles`` maps a vehicle type to the OSRM profile segment of the URL.
    """

    def __init__(
        self,
        base_url: str,
        session: urllib.request.OpenerDirector | None = None,
        *,
        profiles: Mapping[str, str] | None = None,
        default_profile: str = "driving",
        timeout_s: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or urllib.request.build_opener()
        self.profiles = dict(profiles or {})
        self.default_profile = default_profile
        self.timeout_s = timeout_s

    def url(self, points: Sequence[GeoPoint], vehicle_type: str = "car") -> str:
        profile = self.profiles.get(vehicle_type, self.default_profile)
        coords = ";".join(f"{p.lng:.6f},{p.lat:.6f}" for p in points)
        return f"{self.base_url}/table/v1/{profile}/{coords}?annotations=distance,duration"

    def matrix(
        self, points: Sequence[GeoPoint], vehicle_type: str = "car"
    ) -> tuple[Matrix, Matrix]:
        if len(points) < 2:
            return [[0] * len(points) for _ in points], [[0] * len(points) for _ in points]
        payload = self._get(self.url(points, vehicle_type))
        if payload.get("code") != "Ok":
            raise OSRMError(f"OSRM table failed: {payload.get('code')} {payload.get('message')}")
        return _int_matrix(payload["distances"]), _int_matrix(payload["durations"])

    def _get(self, url: str) -> dict:
        try:
            with self.session.open(url, timeout=self.timeout_s) as resp:
                return json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as error:  # OSRM explains 4xx answers in JSON
            try:
                return json.loads(error.read().decode("utf-8"))
            except ValueError:
                raise OSRMError(f"OSRM HTTP {error.code}") from error
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            raise OSRMError(f"OSRM unavailable: {error}") from error


def _int_matrix(rows: list[list[float | None]]) -> Matrix:
    return [[UNREACHABLE_VALUE if v is None else round(v) for v in row] for row in rows]


class CachedProvider:
    """Small in-memory LRU cache of whole matrices, keyed by points and vehicle type."""

    def __init__(self, inner: DistanceProvider, maxsize: int = 32) -> None:
        self.inner = inner
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._cache: OrderedDict[tuple[tuple[GeoPoint, ...], str], tuple[Matrix, Matrix]] = (
            OrderedDict()
        )

    def matrix(
        self, points: Sequence[GeoPoint], vehicle_type: str = "car"
    ) -> tuple[Matrix, Matrix]:
        key = (tuple(points), vehicle_type)
        if key in self._cache:
            self.hits += 1
            self._cache.move_to_end(key)
            return _copy(self._cache[key])
        self.misses += 1
        value = self.inner.matrix(points, vehicle_type)
        self._cache[key] = _copy(value)
        if len(self._cache) > self.maxsize:
            self._cache.popitem(last=False)
        return value

    def clear(self) -> None:
        self._cache.clear()


def _copy(value: tuple[Matrix, Matrix]) -> tuple[Matrix, Matrix]:
    # Callers may mutate what they get; the cached copy must stay intact.
    return [row[:] for row in value[0]], [row[:] for row in value[1]]
