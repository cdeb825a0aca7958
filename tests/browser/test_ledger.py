from __future__ import annotations

from typing import Any

import pytest

from apps.ledger import services
from apps.ledger.models import Discrepancy
from apps.org.models import Role
from tests.browser.conftest import log_in, screenshot
from tests.factories import PASSWORD
from tests.ledger.conftest import lifted_sqlite_guards, make_world

__all__ = ["lifted_sqlite_guards"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_accountant_records_a_handover_with_a_shortfall(
    live_server: Any, desktop_page: Any, lifted_sqlite_guards: None
) -> None:
    world = make_world()
    services.wallet_top_up(
        company=world.company,
        key="cash-at-door",
        customer=world.customer,
        amount_fen=12000,
        method="cash",
        courier=world.courier,
    )
    page = desktop_page
    log_in(page, live_server.url, world.team.users[Role.ACCOUNTANT].username, PASSWORD)
    page.locator("nav.sidebar").get_by_role("link", name="账务").click()
    page.get_by_label("配送员").first.select_option(str(world.courier.pk))
    page.get_by_role("button", name="记录今天的交账").first.click()
    assert "¥120.00" in page.locator("table").inner_text()
    page.get_by_label("¥ 配送员申报").fill("120")
    page.get_by_label("¥ 站点清点").fill("100")
    page.get_by_role("button", name="记录交账").click()
    page.wait_for_load_state("networkidle")
    assert "交账已记录" in page.content()
    assert "¥20.00" in page.locator("table").first.inner_text()
    screenshot(page, "ledger-handover-shortfall")
    assert Discrepancy.objects.get(company=world.company).amount == 2000
