from __future__ import annotations

from django.db import transaction
from geopy.exc import GeopyError

from apps.core.coords import distance_m
from apps.customers.geocoding import Geocoder, as_decimal, configured_geocoder
from apps.customers.models import Address, CoordinateSource, Precision
from apps.customers.services.customers import address_locate
from apps.org.models import Depot


class GeocodingUnavailable(Exception):
    """The geocoding service failed; the job retries later (the address already has a fallback)."""


def _community_neighbour(address: Address) -> Address | None:
    if not address.community:
        return None
    return (
        Address.objects.filter(
            company_id=address.company_id,
            community=address.community,
            latitude__isnull=False,
            precision=Precision.EXACT,
        )
        .exclude(pk=address.pk)
        .first()
    )


def _fallback(address: Address) -> None:
    neighbour = _community_neighbour(address)
    if neighbour is not None:
        address_locate(
            address=address,
            latitude=neighbour.latitude,  # type: ignore[arg-type]
            longitude=neighbour.longitude,  # type: ignore[arg-type]
            source=CoordinateSource.COMMUNITY,
            precision=Precision.APPROXIMATE,
        )
        return
    depot = (
        address.depot or Depot.objects.filter(company_id=address.company_id, is_active=True).first()
    )
    if depot is not None:
        address_locate(
            address=address,
            latitude=depot.latitude,
            longitude=depot.longitude,
            source=CoordinateSource.DEPOT,
            precision=Precision.APPROXIMATE,
        )


def nearest_depot(*, address: Address) -> Depot | None:
    if not address.has_coordinates:
        return None
    here = (float(address.latitude), float(address.longitude))  # type: ignore[arg-type]
    depots = Depot.objects.filter(company_id=address.company_id, is_active=True)
    return min(
        depots,
        key=lambda d: distance_m(here, (float(d.latitude), float(d.longitude))),
        default=None,
    )


@transaction.atomic
def address_geocode(*, address_id: int, geocoder: Geocoder | None = None) -> Address | None:
    """Locate an address that has no pin: the geocoder if it knows, else a fallback."""
    address = Address.objects.filter(pk=address_id).first()
    if address is None or address.coordinate_source == CoordinateSource.PIN:
        return address
    geocoder = geocoder or configured_geocoder()
    try:
        result = geocoder.geocode(text=address.short, city=f"{address.city}{address.district}")
    except GeopyError as error:
        if not address.has_coordinates:
            _fallback(address)
        raise GeocodingUnavailable(str(error)) from error
    if result is not None:
        address = address_locate(
            address=address,
            latitude=as_decimal(result.latitude),
            longitude=as_decimal(result.longitude),
            source=CoordinateSource.GEOCODER,
            precision=Precision.EXACT if result.exact else Precision.APPROXIMATE,
        )
    elif not address.has_coordinates:
        _fallback(address)
    address.refresh_from_db()
    if address.depot_id is None:
        depot = nearest_depot(address=address)
        if depot is not None:
            Address.objects.filter(pk=address.pk).update(depot=depot)
    return address
