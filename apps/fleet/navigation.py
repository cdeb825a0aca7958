"""Deep links that open a map app at a stop (coordinates are WGS-84)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote, urlencode

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MapLink:
    label: str
    url: str


def navigation_links(latitude: Decimal, longitude: Decimal, name: str) -> list[MapLink]:
    at = f"{latitude},{longitude}"
    return [
        MapLink(
            str(_("AMap")),
            "https://uri.amap.com/marker?"
            + urlencode(
                {
                    "position": f"{longitude},{latitude}",
                    "name": name,
                    "coordinate": "wgs84",
                    "callnative": 1,
                    "src": "songda",
                }
            ),
        ),
        MapLink(
            str(_("Baidu Maps")),
            "https://api.map.baidu.com/marker?"
            + urlencode(
                {
                    "location": at,
                    "title": name,
                    "content": name,
                    "coord_type": "wgs84",
                    "output": "html",
                    "src": "songda",
                }
            ),
        ),
        MapLink(
            str(_("Apple Maps")), "https://maps.apple.com/?" + urlencode({"daddr": at, "q": name})
        ),
        MapLink(str(_("Map app")), f"geo:{at}?q={at}({quote(name)})"),
    ]
