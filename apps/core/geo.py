"""Coordinates are WGS-84 ``(lat, lng)``; this module holds the checks every app shares."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A generous box around mainland China, Hainan, Taiwan, Hong Kong and Macao.
CHINA_LAT = (Decimal("3.8"), Decimal("53.6"))
CHINA_LNG = (Decimal("73.5"), Decimal("135.1"))


def validate_latitude_in_china(value: Decimal | float) -> None:
    if not CHINA_LAT[0] <= Decimal(str(value)) <= CHINA_LAT[1]:
        raise ValidationError(
            _("Latitude %(value)s is outside China."), code="outside_china", params={"value": value}
        )


def validate_longitude_in_china(value: Decimal | float) -> None:
    if not CHINA_LNG[0] <= Decimal(str(value)) <= CHINA_LNG[1]:
        raise ValidationError(
            _("Longitude %(value)s is outside China."),
            code="outside_china",
            params={"value": value},
        )
