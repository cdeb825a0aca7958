from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from apps.customers.models import Customer
from apps.org.models import Role
from tests.browser.conftest import log_in, screenshot
from tests.conftest import make_team
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ["姓名", "电话", "类型", "街道门牌", "小区", "楼层", "电梯", "纬度", "经度"]


def customer_file(rows: list[list[str]]) -> dict[str, Any]:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    return {"name": "客户.csv", "mimeType": "text/csv", "buffer": buffer.getvalue().encode("gbk")}


GOOD = [
    ["王芳", "13906715502", "家庭", "文三路 88 号", "翠苑一区", "5", "无", "30.2773", "120.1339"],
    [
        "李雷",
        "13800001111/0571-88886666",
        "办公室",
        "学院路 12 号",
        "",
        "3",
        "有",
        "30.28",
        "120.13",
    ],
    ["韩梅梅", "13800002222", "", "教工路 5 号", "文教小区", "1", "", "30.27", "120.14"],
]


def test_a_dispatcher_fixes_a_bad_file_and_imports_it(live_server: Any, desktop_page: Any) -> None:
    team = make_team("清泉水站")
    page = desktop_page
    log_in(page, live_server.url, team.users[Role.DISPATCHER].username, PASSWORD)
    page.goto(f"{live_server.url}/customers/transfer/")

    bad = [list(row) for row in GOOD]
    bad[1][1] = "12345"
    bad[2][5] = "三楼"
    page.get_by_label("客户文件").set_input_files(customer_file(bad))
    page.get_by_role("button", name="上传并检查").click()
    errors = page.locator("table.import-errors")
    assert errors.locator("tbody tr").count() == 2
    text = errors.inner_text()
    assert "3\t电话" in text and "不是有效的电话号码" in text
    assert "4\t楼层" in text and "“三楼”不是整数。" in text
    assert page.get_by_role("button", name="导入 3 行").count() == 0
    screenshot(page, "customer-import-errors")

    page.get_by_label("客户文件").set_input_files(customer_file(GOOD))
    page.get_by_role("button", name="上传并检查").click()
    assert page.locator('[data-count="new"]').inner_text() == "3"
    assert page.locator('[data-count="errors"]').inner_text() == "0"
    page.get_by_role("button", name="导入 3 行").click()
    assert "导入完成：新增 3 个客户，更新 0 个。" in page.locator(".messages").inner_text()
    assert screenshot(page, "customer-import-done").stat().st_size > 10_000
    assert sorted(Customer.objects.filter(company=team.company).values_list("name", flat=True)) == [
        "李雷",
        "王芳",
        "韩梅梅",
    ]
