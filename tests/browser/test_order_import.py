from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.customers.models import CustomerPhone
from apps.orders.models import Order
from apps.org.models import Role
from tests.browser.conftest import log_in, screenshot
from tests.factories import PASSWORD
from tests.orders.conftest import make_order_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def order_file(rows: list[list[str]]) -> dict[str, Any]:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return {"name": "团购.csv", "mimeType": "text/csv", "buffer": buffer.getvalue().encode("gbk")}


def test_a_dispatcher_previews_a_group_buy_file_and_imports_it(
    live_server: Any, desktop_page: Any
) -> None:
    ow = make_order_world()
    CustomerPhone.objects.create(company=ow.company, customer=ow.customer, number="13900000001")
    day = f"{timezone.localdate() + timedelta(days=1):%Y-%m-%d}"
    header = ["外部单号", "电话", "姓名", "地址", "商品", "数量", "配送日期", "时段", "付款方式"]
    good = [
        ["TG-1", "13900000001", "", "", ow.water.sku, "2", day, "上午", "月结"],
        [
            "TG-2",
            "13800000007",
            "李四",
            "文二路 5 号",
            ow.water.name,
            "1",
            day,
            "14:00-16:00",
            "扫码",
        ],
        ["TG-2", "", "", "", ow.water.sku, "1", "", "", ""],
    ]
    page = desktop_page
    log_in(page, live_server.url, ow.team.users[Role.DISPATCHER].username, PASSWORD)
    page.goto(f"{live_server.url}/orders/import/")
    page.get_by_label("订单文件").set_input_files(order_file([header, *good]))
    page.get_by_role("button", name="上传并检查").click()
    row = page.locator('tr[data-row="4"]')
    assert "已在本订单第 3 行" in row.inner_text()
    screenshot(page, "order-import-errors")

    page.get_by_label("订单文件").set_input_files(order_file([header, *good[:2]]))
    page.get_by_role("button", name="上传并检查").click()
    assert page.locator('[data-count="orders"]').inner_text() == "2"
    assert page.locator('[data-count="customers"]').inner_text() == "1"
    page.get_by_role("button", name="导入 2 个订单").click()
    assert "已导入 2 个订单到订单池" in page.locator(".messages").inner_text()
    screenshot(page, "order-import-done")
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["TG-1", "TG-2"]
