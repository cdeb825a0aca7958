"""Distance providers: great-circle maths, the OSRM table client and the LRU cache."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from apps.fleet.planner import (
    UNREACHABLE_VALUE,
    CachedProvider,
    GeoPoint,
    GreatCircleProvider,
    OSRMError,
    OSRMProvider,
    haversine_m,
)

SHANGHAI = GeoPoint(31.2304, 121.4737)
HANGZHOU = GeoPoint(30.2741, 120.1551)


def test_haversine_matches_known_distances() -> None:
    assert haversine_m(GeoPoint(0, 0), GeoPoint(1, 0)) == pytest.approx(111_195, abs=1)
    assert haversine_m(SHANGHAI, HANGZHOU) == pytest.approx(164_000, rel=0.01)
    assert haversine_m(SHANGHAI, SHANGHAI) == 0


def test_great_circle_applies_detour_and_vehicle_speed() -> None:
    provider = GreatCircleProvider(detour_factor=1.3, speed_kmh={"bike": 18.0, "car": 36.0})
    points = [GeoPoint(0, 0), GeoPoint(0.01, 0)]  # 1,111.95 m apart

    bike_m, bike_s = provider.matrix(points, "bike")
    car_m, car_s = provider.matrix(points, "car")

    assert bike_m == car_m == [[0, 1446], [1446, 0]]
    assert bike_s == [[0, 289], [289, 0]]  # 1,446 m at 5 m/s
    assert car_s == [[0, 145], [145, 0]]  # at 10 m/s


class _FakeOSRM(BaseHTTPRequestHandler):
    requests: list[str] = []
    reply: dict = {}

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        body = json.dumps(type(self).reply).encode()
        self.send_response(200 if type(self).reply.get("code") == "Ok" else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def osrm() -> Iterator[type[_FakeOSRM]]:
    handler = type("Handler", (_FakeOSRM,), {"requests": [], "reply": {}})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    handler.base_url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


def test_osrm_provider_reads_the_table_service(osrm: type[_FakeOSRM]) -> None:
    osrm.reply = {
        "code": "Ok",
        "distances": [[0, 1234.6, None], [1200.2, 0, None], [None, None, 0]],
        "durations": [[0, 150.4, None], [149.5, 0, None], [None, None, 0]],
    }
    provider = OSRMProvider(osrm.base_url, profiles={"bike": "cycling"})
    points = [SHANGHAI, HANGZHOU, GeoPoint(0, 0)]

    distance, duration = provider.matrix(points, "bike")

    assert osrm.requests == [
        (
            "/table/v1/cycling/121.473700,31.230400;120.155100,30.274100;0.000000,0.000000"
            "?annotations=distance,duration"
        )
    ]
    assert distance == [[0, 1235, UNREACHABLE_VALUE], [1200, 0, UNREACHABLE_VALUE],
                        [UNREACHABLE_VALUE, UNREACHABLE_VALUE, 0]]  # fmt: skip
    assert duration[0][1] == 150 and duration[1][0] == 150 and duration[2][0] == UNREACHABLE_VALUE


def test_osrm_provider_raises_on_service_errors(osrm: type[_FakeOSRM]) -> None:
    osrm.reply = {"code": "InvalidQuery", "message": "Query string malformed"}
    provider = OSRMProvider(osrm.base_url)

    with pytest.raises(OSRMError, match="InvalidQuery"):
        provider.matrix([SHANGHAI, HANGZHOU])


def test_cache_answers_repeated_matrices_without_calling_osrm(osrm: type[_FakeOSRM]) -> None:
    osrm.reply = {"code": "Ok", "distances": [[0, 10], [10, 0]], "durations": [[0, 2], [2, 0]]}
    cached = CachedProvider(OSRMProvider(osrm.base_url), maxsize=2)

    first = cached.matrix([SHANGHAI, HANGZHOU])
    first[0][0][1] = 999  # callers mutating their copy must not poison the cache
    second = cached.matrix([SHANGHAI, HANGZHOU])

    assert second == ([[0, 10], [10, 0]], [[0, 2], [2, 0]])
    assert len(osrm.requests) == 1
    assert (cached.hits, cached.misses) == (1, 1)


def test_cache_evicts_the_least_recently_used_matrix() -> None:
    inner = GreatCircleProvider()
    cached = CachedProvider(inner, maxsize=2)
    a, b, c = [SHANGHAI], [HANGZHOU], [GeoPoint(0, 0)]

    cached.matrix(a)
    cached.matrix(b)
    cached.matrix(a)  # a is now the most recent
    cached.matrix(c)  # evicts b
    cached.matrix(a)
    cached.matrix(b)

    assert (cached.hits, cached.misses) == (2, 4)
    assert cached.matrix(a, "bike") is not None and cached.misses == 5  # per vehicle type
