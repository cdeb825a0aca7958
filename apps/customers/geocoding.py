"""Turning a typed address into coordinates, behind the ``GEOCODER`` setting.

``offline`` (the default) asks nobody: the address keeps its text and gets the
coordinates of a neighbour in the same community, or of its depot, marked
"approximate" until someone drops a pin. ``baidu`` (geopy's BaiduV3, BD-09
converted to WGS-84) and ``nominatim`` (OpenStreetMap, WGS-84) call a real
service. A failing service never loses the typed address.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings

from apps.core.coords import bd09_to_wgs84


@dataclass(frozen=True)
class GeocodeResult:
    latitude: float
    longitude: float
    exact: bool


class Geocoder(Protocol):
    def geocode(self, *, text: str, city: str) -> GeocodeResult | None: ...


class OfflineGeocoder:
    def geocode(self, *, text: str, city: str) -> GeocodeResult | None:
        return None


class BaiduGeocoder:
    """Baidu Maps geocoding v3; its answers are BD-09 and are converted to WGS-84."""

    def __init__(self, *, api_key: str, timeout: float = 5.0) -> None:
        from geopy.geocoders import BaiduV3

        self.client = BaiduV3(api_key=api_key, timeout=timeout)

    def geocode(self, *, text: str, city: str) -> GeocodeResult | None:
        location = self.client.geocode(f"{city}{text}")
        if location is None:
            return None
        lat, lng = bd09_to_wgs84(location.latitude, location.longitude)
        precise = (location.raw or {}).get("precise", 0) == 1
        return GeocodeResult(latitude=lat, longitude=lng, exact=precise)


class NominatimGeocoder:
    def __init__(self, *, domain: str, user_agent: str = "songda", timeout: float = 5.0) -> None:
        from geopy.geocoders import Nominatim

        self.client = Nominatim(domain=domain, user_agent=user_agent, timeout=timeout)

    def geocode(self, *, text: str, city: str) -> GeocodeResult | None:
        location = self.client.geocode(f"{text}, {city}, China", country_codes="cn")
        if location is None:
            return None
        return GeocodeResult(latitude=location.latitude, longitude=location.longitude, exact=True)


def configured_geocoder() -> Geocoder:
    name = settings.GEOCODER
    if name == "baidu":
        return BaiduGeocoder(api_key=settings.GEOCODER_API_KEY)
    if name == "nominatim":
        return NominatimGeocoder(domain=settings.NOMINATIM_DOMAIN)
    return OfflineGeocoder()


def as_decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 6)))
