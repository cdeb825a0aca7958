"""How long the back office's start page takes for a logged-in dispatcher (server time)."""

from __future__ import annotations

import time

from _common import bench_database, figure, percentile, setup_django

BENCH = "org_home"


def main() -> None:
    setup_django()
    from django.test import Client

    with bench_database(BENCH):
        from tests.conftest import make_team

        team = make_team("基准水站")
        client = Client()
        client.force_login(team.users["dispatcher"])
        samples = []
        for _ in range(200):
            start = time.perf_counter()
            response = client.get("/")
            assert response.status_code == 200, response.status_code
            samples.append((time.perf_counter() - start) * 1000)
        figure(BENCH, "home_p50_ms", percentile(samples, 50), "ms")
        figure(BENCH, "home_p95_ms", percentile(samples, 95), "ms")


if __name__ == "__main__":
    main()
