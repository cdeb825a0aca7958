"""The courier's Today page on a cheap phone over 3G, in Chromium.

A courier with 20 stops opens his page twice, on a throttled network (Chrome's
"Regular 3G": 750 kbit/s down, 250 kbit/s up, 100 ms latency) with the CPU slowed
four times. The first visit installs the service worker; the second is what every
later visit costs. Prints the bytes the server sent (uncompressed: an upper bound of what crossed
the network) and the time until
the page is interactive (DOMContentLoaded, i.e. after its deferred script ran),
for each visit. BENCH_RUNS sets how many repeat visits are measured (default 5).
"""

from __future__ import annotations

import os
from typing import Any

from _common import bench_database, figure, median, setup_django

BENCH = "courier_page"
REGULAR_3G = {
    "offline": False,
    "latency": 100,
    "downloadThroughput": 750 * 1000 / 8,
    "uploadThroughput": 250 * 1000 / 8,
}


def _world() -> tuple[Any, str]:
    """A courier with 20 assigned stops today; returns him and his session cookie."""
    from django.conf import settings
    from django.test import Client

    from apps.orders.services.lifecycle import order_assign
    from tests.fleet.conftest import make_fleet_world

    fw = make_fleet_world(couriers=1)
    courier = fw.couriers[0]
    for index in range(20):
        order = fw.order_near(quantity=1 + index % 3)
        order_assign(order=order, courier=courier, actor=fw.dispatcher)
    client = Client()
    client.force_login(courier.user)
    return courier, client.cookies[settings.SESSION_COOKIE_NAME].value


class Sent:
    """Body bytes the server sent, counted as they leave (whoever asked: page or worker)."""

    total = 0

    @classmethod
    def counting(cls, chunks: Any) -> Any:
        try:
            for chunk in chunks:
                cls.total += len(chunk)
                yield chunk
        finally:
            if hasattr(chunks, "close"):
                chunks.close()


def counting_handler() -> Any:
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    class CountingHandler(StaticFilesHandler):
        def __call__(self, environ: Any, start_response: Any) -> Any:
            environ.pop("wsgi.file_wrapper", None)
            return Sent.counting(super().__call__(environ, start_response))

    return CountingHandler


def _visit(page: Any, url: str) -> tuple[float, float]:
    """Bytes the server sent (kB) and ms to interactive for one load of ``url``."""
    Sent.total = 0
    page.goto(url, wait_until="load")
    page.wait_for_timeout(500)  # let the service worker's own fetches finish
    interactive = page.evaluate(
        "(() => { const n = performance.getEntriesByType('navigation')[0];"
        " return n.domContentLoadedEventEnd - n.startTime; })()"
    )
    return Sent.total / 1000, float(interactive)


def main() -> None:
    setup_django()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from django.test.testcases import LiveServerThread
    from django.urls import reverse
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS, chromium_path

    runs = int(os.environ.get("BENCH_RUNS", "5"))
    with bench_database(BENCH):
        from django.conf import settings

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost", "127.0.0.1"]
        _courier, session_key = _world()
        server = LiveServerThread("localhost", counting_handler(), port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        base = f"http://localhost:{server.port}"
        url = base + reverse("fleet:courier_today")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium_path(), args=CHROMIUM_ARGS
                )
                context = browser.new_context(
                    viewport={"width": 360, "height": 760}, is_mobile=True, locale="zh-CN"
                )
                context.add_cookies(
                    [{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": base}]
                )
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", REGULAR_3G)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
                first_kb, first_ms = _visit(page, url)
                repeat = [_visit(page, url) for _ in range(runs)]
                browser.close()
        finally:
            server.terminate()
        figure(BENCH, "first_visit_transferred_kb", first_kb, "kB")
        figure(BENCH, "first_visit_interactive_ms", first_ms, "ms")
        figure(BENCH, "repeat_visit_transferred_kb", median([kb for kb, _ in repeat]), "kB")
        figure(BENCH, "repeat_visit_interactive_ms", median([ms for _, ms in repeat]), "ms")
        figure(BENCH, "stops", 20, "stops")


if __name__ == "__main__":
    main()
