from __future__ import annotations

import csv
import io
import time
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django_q.conf import Conf
from openpyxl import Workbook, load_workbook

from apps.customers.models import Address, Customer, CustomerPhone, ImportUpload, Tag
from apps.customers.services.customers import AddressData, customer_create
from apps.customers.services.transfer import (
    COLUMNS,
    ImportFailed,
    customers_import,
    export_csv,
    export_rows,
    export_xlsx,
    import_plan,
    read_table,
    spreadsheet_safe,
)
from apps.org.models import Role
from tests.conftest import Team

HEADER = [column.header for column in COLUMNS]


def good_row(n: int) -> list[Any]:
    return [
        f"客户{n}",
        f"138{n:08d} / 0571-8{n:07d}",
        "家庭" if n % 2 else "office",
        "货到付款",
        "VIP,先打电话" if n % 3 == 0 else "",
        f"备注{n}",
        "浙江省",
        "杭州市",
        "西湖区",
        f"文三路 {n} 号",
        "翠苑一区",
        str(n % 20 + 1),
        "2",
        f"{n % 900 + 100}",
        n % 18 + 1,
        "有" if n % 4 == 0 else "无",
        "放门口",
        "30.277310" if n % 5 == 0 else "",
        "120.133950" if n % 5 == 0 else "",
    ]


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def thousand_rows() -> list[list[Any]]:
    return [HEADER, *(good_row(n) for n in range(1, 1001))]


def break_three(rows: list[list[Any]]) -> list[list[Any]]:
    broken = [list(row) for row in rows]
    broken[10][1] = "12345"  # row 11: a phone that is no phone
    broken[500][14] = "五楼"  # row 501: floor is not a number
    broken[900][17], broken[900][18] = "-33.86", "151.21"  # row 901: Sydney
    return broken


def plan_for(team: Team, rows: list[list[Any]]) -> Any:
    return import_plan(company=team.company, table=[[str(c) for c in row] for row in rows])


@pytest.mark.django_db
def test_a_thousand_rows_with_three_bad_ones_are_previewed_and_then_imported(
    team: Team, monkeypatch: Any
) -> None:
    # As in production, geocoding is queued as job rows; the test settings would
    # otherwise run each job inline (a process round trip per address).
    monkeypatch.setattr(Conf, "SYNC", False)
    broken = break_three(thousand_rows())
    with translation.override("zh-hans"):
        table = read_table(content=xlsx_bytes(broken), filename="客户.xlsx")
        plan = import_plan(company=team.company, table=table)
        errors = [(e.row, e.column) for e in plan.errors]
        assert errors == [(11, "电话"), (501, "楼层"), (901, "纬度"), (901, "经度")]
        assert plan.error_rows == 3
        assert "不是有效的电话号码" in plan.errors[0].message
        assert plan.errors[1].message == "“五楼”不是整数。"
        assert plan.errors[2].message == "纬度 -33.86 不在中国境内。"
        with pytest.raises(ImportFailed):
            customers_import(company=team.company, table=table)
    assert not Customer.objects.exists()

    fixed = xlsx_bytes(thousand_rows())
    started = time.perf_counter()
    plan = customers_import(
        company=team.company, table=read_table(content=fixed, filename="客户.xlsx")
    )
    elapsed = time.perf_counter() - started
    assert (plan.created, plan.updated) == (1000, 0)
    assert Customer.objects.filter(company=team.company).count() == 1000
    assert elapsed < 10, f"importing 1,000 rows took {elapsed:.1f} s"
    customer = Customer.objects.get(name="客户20")
    assert sorted(customer.phones.values_list("number", flat=True)) == [
        "057180000020",
        "13800000020",
    ]
    assert customer.source == "import" and customer.customer_type == "office"
    address = customer.addresses.get()
    assert (address.street, address.floor, address.has_elevator) == ("文三路 20 号", 3, True)
    assert address.latitude == Decimal("30.277310") and address.coordinate_source == "import"
    assert {t.name for t in Customer.objects.get(name="客户3").tags.all()} == {"VIP", "先打电话"}

    again = customers_import(
        company=team.company, table=read_table(content=fixed, filename="x.xlsx")
    )
    assert (again.created, again.updated, again.unchanged) == (0, 1000, 1000)
    assert Customer.objects.count() == 1000 and Address.objects.count() == 1000


@pytest.mark.django_db
def test_reimporting_updates_the_customer_found_by_any_phone(team: Team) -> None:
    customer = customer_create(
        company=team.company,
        name="王芳",
        phones=["13906715502"],
        address=AddressData(
            street="文三路 88 号", floor=5, latitude=Decimal("30.28"), longitude=Decimal("120.12")
        ),
    )
    rows = [
        ["电话", "姓名", "楼层", "备注", "标签"],
        ["0571-88886666 / 13906715502", "王芳芳", "6", "新备注", "新客"],
    ]
    plan = customers_import(company=team.company, table=rows)
    assert (plan.created, plan.updated) == (0, 1)
    customer.refresh_from_db()
    assert customer.name == "王芳芳" and customer.notes == "新备注"
    assert list(customer.phones.values_list("number", flat=True)) == ["057188886666", "13906715502"]
    address = customer.addresses.get()
    assert address.floor == 6 and address.street == "文三路 88 号"
    assert address.latitude == Decimal("30.280000"), "columns left out leave the coordinates alone"
    assert Tag.objects.filter(company=team.company, name="新客").exists()
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_phones_of_two_customers_or_twice_in_the_file_are_errors(team: Team) -> None:
    customer_create(company=team.company, name="甲", phones=["13900000001"])
    customer_create(company=team.company, name="乙", phones=["13900000002"])
    rows = [
        ["姓名", "电话"],
        ["甲乙", "13900000001,13900000002"],
        ["丙", "13900000003"],
        ["丁", "139-0000-0003"],
        ["", ""],
        ["戊", ""],
    ]
    with translation.override("zh-hans"):
        plan = plan_for(team, rows)
    messages = {(e.row, e.column): e.message for e in plan.errors}
    assert messages[(2, "电话")] == "这些电话号码属于不同的客户：乙、甲。"
    assert messages[(4, "电话")] == "13900000003 已在本文件第 3 行出现。"
    assert messages[(6, "电话")] == "请至少填写一个电话号码。"
    assert set(messages) == {(2, "电话"), (4, "电话"), (6, "电话")}


@pytest.mark.django_db
def test_a_file_without_the_required_columns_is_refused_whole(team: Team) -> None:
    from apps.customers.services.transfer import ImportFileError

    with translation.override("zh-hans"), pytest.raises(ImportFileError) as raised:
        plan_for(team, [["名字", "手机号码"], ["张三", "13800000000"]])
    assert "姓名" in raised.value.messages[0]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
@pytest.mark.django_db
def test_csv_in_utf8_and_gbk_reads_the_same(team: Team, encoding: str) -> None:
    rows = [
        ["name", "Phones", "type", "billing mode", "街道门牌", "电梯（有/无）"],
        ["张三丰", "13800000001;13800000002", "餐馆", "月结", "湖墅南路 1 号", "有"],
    ]
    table = read_table(content=csv_bytes(rows, encoding), filename="customers.csv")
    assert table[1][0] == "张三丰"
    plan = customers_import(company=team.company, table=table)
    assert plan.created == 1
    customer = Customer.objects.get()
    assert (customer.name, customer.customer_type, customer.billing_mode) == (
        "张三丰",
        "restaurant",
        "monthly_credit",
    )
    assert customer.addresses.get().has_elevator is True
    assert customer.phones.count() == 2


@pytest.mark.django_db
def test_a_failure_half_way_leaves_the_database_unchanged(team: Team, monkeypatch: Any) -> None:
    customer_create(company=team.company, name="老客户", phones=["13700000000"])
    rows = [HEADER, *(good_row(n) for n in range(1, 6)), ["老客户改名", "13700000000"]]
    table = [[str(c) for c in row] for row in rows]
    from apps.customers.services import transfer

    real_plan = transfer.import_plan

    def plan_then_someone_takes_a_phone(**kwargs: Any) -> Any:
        plan = real_plan(**kwargs)
        other = Customer.objects.create(company=team.company, code="X1", name="抢先")
        CustomerPhone.objects.create(company=team.company, customer=other, number="13800000004")
        return plan

    monkeypatch.setattr(transfer, "import_plan", plan_then_someone_takes_a_phone)
    with pytest.raises(ImportFailed) as raised:
        customers_import(company=team.company, table=table)
    assert raised.value.plan.errors
    assert list(Customer.objects.values_list("name", flat=True)) == ["老客户"]
    assert CustomerPhone.objects.count() == 1 and Address.objects.count() == 0
    assert not Tag.objects.exists()


# --- export ------------------------------------------------------------------------


DANGEROUS = ["=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1)", "\tx", "\rx"]


def test_spreadsheet_safe_prefixes_every_formula_start() -> None:
    for text in DANGEROUS:
        assert spreadsheet_safe(text) == "'" + text
    assert spreadsheet_safe("王芳") == "王芳"
    assert spreadsheet_safe("13800000000") == "13800000000"


def dangerous_customers(team: Team) -> list[Customer]:
    return [
        customer_create(
            company=team.company,
            name=text,
            phones=[f"1380000000{n}"],
            notes=text,
            address=AddressData(street=text, delivery_notes=text, floor=-1),
        )
        for n, text in enumerate(DANGEROUS)
    ]


@pytest.mark.django_db
def test_csv_export_escapes_formulas_and_opens_in_excel(team: Team) -> None:
    dangerous_customers(team)
    client = team.client_for(Role.ACCOUNTANT)
    response = client.get(reverse("customers:export"), {"file_type": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf"), "a BOM, so Excel reads UTF-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    notes = {row[HEADER.index("备注")] for row in rows[1:]}
    assert notes == {"'" + text for text in DANGEROUS}


@pytest.mark.django_db
def test_xlsx_export_escapes_formulas(team: Team) -> None:
    dangerous_customers(team)
    response = team.client_for(Role.OWNER).get(reverse("customers:export"), {"file_type": "xlsx"})
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
    strings = [v for v in values if isinstance(v, str)]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert not [s for s in strings if s.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert "'=cmd|' /C calc'!A0" in strings


@pytest.mark.parametrize("writer", [export_csv, export_xlsx])
@pytest.mark.django_db
def test_export_then_import_round_trips(team: Team, other_team: Team, writer: Any) -> None:
    dangerous_customers(team)
    customer_create(
        company=team.company,
        name="王芳",
        phones=["13906715502", "0571-88886666"],
        customer_type="office",
        billing_mode="monthly_credit",
        tags=[Tag.objects.create(company=team.company, name="VIP")],
        address=AddressData(
            street="文三路 88 号",
            community="翠苑一区",
            building="3",
            unit="2",
            room="502",
            floor=5,
            has_elevator=True,
            latitude=Decimal("30.277310"),
            longitude=Decimal("120.133950"),
        ),
    )
    content = writer(export_rows(Customer.objects.filter(company=team.company).order_by("code")))
    name = "export.csv" if writer is export_csv else "export.xlsx"
    table = read_table(content=content, filename=name)

    # XML has no carriage returns: XLSX turns the one CR-led note into a line feed.
    notes = set(DANGEROUS) if writer is export_csv else {*DANGEROUS[:-1], "\nx"}
    same = customers_import(company=team.company, table=table)
    assert (same.created, same.updated) == (0, 7)
    assert same.unchanged == (7 if writer is export_csv else 6)

    copied = customers_import(company=other_team.company, table=table)
    assert copied.created == 7
    original = Customer.objects.get(company=team.company, name="王芳")
    copy = Customer.objects.get(company=other_team.company, name="王芳")
    fields = ["customer_type", "billing_mode", "notes"]
    assert [getattr(copy, f) for f in fields] == [getattr(original, f) for f in fields]
    assert list(copy.phones.values_list("number", flat=True)) == list(
        original.phones.values_list("number", flat=True)
    )
    assert [t.name for t in copy.tags.all()] == ["VIP"]
    a, b = original.addresses.get(), copy.addresses.get()
    keys = [
        "street",
        "community",
        "building",
        "unit",
        "room",
        "floor",
        "has_elevator",
        "latitude",
        "longitude",
    ]
    assert [getattr(b, k) for k in keys] == [getattr(a, k) for k in keys]
    assert set(
        Customer.objects.filter(company=other_team.company).values_list("notes", flat=True)
    ) == {
        *notes,
        "",
    }


# --- pages -------------------------------------------------------------------------


@pytest.mark.django_db
def test_upload_preview_and_confirm_through_the_pages(team: Team) -> None:
    client = team.client_for(Role.DISPATCHER)
    bad = [HEADER, good_row(1), ["", "13800000002"]]
    response = client.post(
        reverse("customers:import_upload"),
        {"file": _upload_file("客户.csv", csv_bytes(bad, "gbk"))},
    )
    upload = ImportUpload.objects.get()
    assert response["Location"] == reverse("customers:import_preview", kwargs={"pk": upload.pk})
    page = client.get(response["Location"]).content.decode()
    assert "请填写客户姓名。" in page and 'data-count="errors">1<' in page
    assert "导入" in page and '<form method="post" class="actions">' not in page
    assert client.post(response["Location"]).status_code == 200
    assert not Customer.objects.exists()

    good = [HEADER, good_row(1), good_row(2)]
    client.post(
        reverse("customers:import_upload"), {"file": _upload_file("客户.xlsx", xlsx_bytes(good))}
    )
    upload = ImportUpload.objects.latest("id")
    url = reverse("customers:import_preview", kwargs={"pk": upload.pk})
    page = client.get(url).content.decode()
    assert 'data-count="new">2<' in page and 'class="actions"' in page
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 200, "a second confirm imports nothing"
    assert Customer.objects.count() == 2
    upload.refresh_from_db()
    assert upload.imported_at is not None and upload.created_count == 2


def _upload_file(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


@pytest.mark.django_db
def test_an_upload_is_only_visible_to_its_uploader_in_its_company(
    team: Team, other_team: Team
) -> None:
    client = team.client_for(Role.DISPATCHER)
    client.post(
        reverse("customers:import_upload"),
        {"file": _upload_file("a.csv", csv_bytes([HEADER, good_row(1)], "utf-8"))},
    )
    url = reverse("customers:import_preview", kwargs={"pk": ImportUpload.objects.get().pk})
    assert team.client_for(Role.OWNER).post(url).status_code == 404
    assert other_team.client_for(Role.DISPATCHER).post(url).status_code == 404
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("role", "export", "import_"),
    [
        (Role.OWNER, 200, 200),
        (Role.DISPATCHER, 200, 200),
        (Role.ACCOUNTANT, 200, 403),
        (Role.COURIER, 403, 403),
    ],
)
@pytest.mark.django_db
def test_accountants_export_but_do_not_import(
    team: Team, role: str, export: int, import_: int
) -> None:
    client = team.client_for(role)
    assert client.get(reverse("customers:export")).status_code == export
    page = client.get(reverse("customers:transfer"))
    assert page.status_code == export
    if export == 200:
        assert ('action="/customers/transfer/import/"' in page.content.decode()) == (import_ == 200)
    response = client.post(
        reverse("customers:import_upload"),
        {"file": _upload_file("a.csv", csv_bytes([HEADER, good_row(1)], "utf-8"))},
    )
    assert response.status_code == (302 if import_ == 200 else 403)
    assert ImportUpload.objects.exists() == (import_ == 200)
