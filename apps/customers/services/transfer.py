"""Customer import and export (CSV and XLSX, UTF-8 or GBK).

An import happens in two steps. :func:`import_plan` reads the file and checks
every row against the company's current data without writing anything; it
returns the rows to create or update and every error with its row number and
column. :func:`customers_import` builds a fresh plan and, only when it has no
errors, writes every row through the customer services inside one transaction,
so any failure leaves the database as it was.

The natural key is the phone: a row whose normalised phones include a number of
an existing customer updates that customer (and its default address); other rows
create customers. An empty cell leaves the stored value unchanged.

Exports use the same columns, so an exported file imports cleanly, and prefix
cells that a spreadsheet would run as a formula with a single quote (which the
import strips again).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.core.geo import validate_latitude_in_china, validate_longitude_in_china
from apps.core.phones import normalize_phone
from apps.customers.models import (
    Address,
    BillingMode,
    Channel,
    CoordinateSource,
    Customer,
    CustomerPhone,
    CustomerType,
    ImportKind,
    ImportUpload,
    Precision,
    Tag,
)
from apps.customers.services.customers import (
    ADDRESS_PARTS,
    CODE_PREFIX,
    AddressData,
    address_add,
    address_update,
    customer_refresh_search,
    customer_update,
)
from apps.customers.tasks import geocode_address_later
from apps.org.models import Company, StaffMember

MAX_ROWS = 10_000
MAX_BYTES = 5 * 1024 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATORS = re.compile(r"[/,;，；、\s]+")
TAG_SEPARATORS = re.compile(r"[/,;，；、]+")
# openpyxl refuses control characters other than tab, newline and carriage return.
XLSX_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    max_length: int = 0


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("name", "客户名称", "名称"), 100),
    Column("phones", "电话", ("phones", "phone", "电话号码", "手机")),
    Column("customer_type", "类型", ("type", "customer type", "客户类型")),
    Column("billing_mode", "结算方式", ("billing mode", "billing")),
    Column("tags", "标签", ("tags",)),
    Column("notes", "备注", ("notes",)),
    Column("province", "省", ("province", "省份"), 20),
    Column("city", "市", ("city", "城市"), 20),
    Column("district", "区", ("district", "区县"), 20),
    Column("street", "街道门牌", ("street", "street and number", "地址"), 100),
    Column("community", "小区", ("community",), 60),
    Column("building", "楼栋", ("building",), 20),
    Column("unit", "单元", ("unit",), 20),
    Column("room", "房号", ("room",), 20),
    Column("floor", "楼层", ("floor",)),
    Column("has_elevator", "电梯", ("elevator", "has elevator")),
    Column("delivery_notes", "配送备注", ("delivery notes",), 200),
    Column("latitude", "纬度", ("latitude", "lat")),
    Column("longitude", "经度", ("longitude", "lng", "lon")),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
ADDRESS_KEYS = ADDRESS_PARTS
PROFILE_KEYS = ("name", "customer_type", "billing_mode", "notes")
YES = {"有", "是", "y", "yes", "true", "1", "✓", "√"}
NO = {"无", "没有", "否", "n", "no", "false", "0", "×"}


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (format, encoding, header)."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class RowPlan:
    row: int
    values: dict[str, Any]
    phones: list[str]
    tags: list[str]
    customer: Customer | None = None
    changed: bool = True


@dataclass
class ImportPlan:
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(1 for row in self.rows if row.customer is None)

    @property
    def updated(self) -> int:
        return sum(1 for row in self.rows if row.customer is not None)

    @property
    def unchanged(self) -> int:
        return sum(1 for row in self.rows if row.customer is not None and not row.changed)

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading files -----------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _unescape(text: str) -> str:
    """Undo the export's formula guard: ``'=x`` was written for ``=x``.

    XLSX (XML) turns a carriage return into a line feed, so ``'\n`` is undone too.
    """
    if text.startswith("'") and text[1:2] and text[1] in (*FORMULA_STARTS, "\n"):
        return text[1:]
    return text


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The file is neither UTF-8 nor GBK text."), code="encoding")


def _read_csv(content: bytes) -> list[list[str]]:
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        return [
            [cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        ]
    except csv.Error as exc:
        raise ImportFileError(
            _("The CSV file could not be read: %(error)s") % {"error": exc}
        ) from exc


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(_("The Excel file could not be read."), code="xlsx") from exc
    try:
        sheet = workbook.active
        if sheet is None:
            return []
        return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_table(*, content: bytes, filename: str) -> list[list[str]]:
    """Rows of cells as text; XLSX by name or signature, anything else as CSV."""
    if len(content) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 5 MB."), code="too_big")
    if filename.lower().endswith((".xlsx", ".xlsm")) or content[:4] == b"PK\x03\x04":
        rows = _read_xlsx(content)
    elif filename.lower().endswith(".xls"):
        raise ImportFileError(
            _("Save the file as .xlsx or .csv; the old .xls format is not supported.")
        )
    else:
        rows = _read_csv(content)
    return [[_unescape(cell) for cell in row] for row in rows]


# --- checking rows -----------------------------------------------------------------


def _header_key(text: str) -> str:
    text = re.sub(r"[（(].*?[)）]", "", text).strip().lower().replace("_", " ")
    return " ".join(text.split())


# Other importers (orders) match their headers the same way.
header_key = _header_key


HEADER_LOOKUP = {
    _header_key(name): column.key
    for column in COLUMNS
    for name in (column.header, column.key, *column.aliases)
}


def _choice_lookup(choices: type[CustomerType] | type[BillingMode]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in choices.choices:
                lookup[str(label).lower()] = value
                lookup[value] = value
    return lookup


def _header_map(header: Sequence[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = HEADER_LOOKUP.get(_header_key(cell))
        if key is None:
            continue
        if key in positions:
            raise ImportFileError(
                _("The column “%(column)s” appears twice.") % {"column": cell}, code="header"
            )
        positions[key] = index
    missing = [COLUMNS_BY_KEY[key].header for key in ("name", "phones") if key not in positions]
    if missing:
        raise ImportFileError(
            _("The first row must name the columns; missing: %(columns)s.")
            % {"columns": "、".join(missing)},
            code="header",
        )
    return positions


class _RowChecker:
    """Turns one row of text into typed values, collecting errors per column."""

    def __init__(self, row_number: int, cells: dict[str, str], errors: list[RowError]) -> None:
        self.row = row_number
        self.cells = cells
        self.errors = errors
        self.values: dict[str, Any] = {}

    def error(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.row, COLUMNS_BY_KEY[key].header, message))

    def text(self, key: str) -> None:
        value = self.cells.get(key, "")
        if not value:
            return
        limit = COLUMNS_BY_KEY[key].max_length
        if limit and len(value) > limit:
            self.error(key, _("At most %(limit)d characters.") % {"limit": limit})
            return
        self.values[key] = value

    def choice(self, key: str, lookup: dict[str, str]) -> None:
        value = self.cells.get(key, "")
        if not value:
            return
        if value.lower() not in lookup:
            labels = "、".join(sorted({k for k in lookup if not k.isascii()}))
            self.error(
                key,
                _("“%(value)s” is not one of: %(choices)s.") % {"value": value, "choices": labels},
            )
            return
        self.values[key] = lookup[value.lower()]

    def floor(self) -> None:
        value = self.cells.get("floor", "")
        if not value:
            return
        try:
            floor = int(Decimal(value))
        except (InvalidOperation, ValueError):
            self.error("floor", _("“%(value)s” is not a whole number.") % {"value": value})
            return
        if not -5 <= floor <= 200:
            self.error("floor", _("A floor between -5 and 200."))
            return
        self.values["floor"] = floor

    def elevator(self) -> None:
        value = self.cells.get("has_elevator", "").lower()
        if not value:
            return
        if value in YES:
            self.values["has_elevator"] = True
        elif value in NO:
            self.values["has_elevator"] = False
        else:
            self.error("has_elevator", _("Write 有 or 无."))

    def coordinates(self) -> None:
        lat_text, lng_text = self.cells.get("latitude", ""), self.cells.get("longitude", "")
        if not lat_text and not lng_text:
            return
        if not lat_text or not lng_text:
            self.error(
                "latitude" if not lat_text else "longitude",
                _("Give both latitude and longitude, or neither."),
            )
            return
        parsed: dict[str, Decimal] = {}
        for key, text, validator in (
            ("latitude", lat_text, validate_latitude_in_china),
            ("longitude", lng_text, validate_longitude_in_china),
        ):
            try:
                number = Decimal(text)
                validator(number)
                number = number.quantize(Decimal("0.000001"))
            except (InvalidOperation, ValueError):
                self.error(key, _("“%(value)s” is not a number.") % {"value": text})
                continue
            except ValidationError as exc:
                self.error(key, " ".join(exc.messages))
                continue
            parsed[key] = number
        if len(parsed) == 2:
            self.values.update(parsed)

    def phones(self) -> list[str]:
        raw = [part for part in LIST_SEPARATORS.split(self.cells.get("phones", "")) if part]
        numbers: list[str] = []
        for part in raw:
            try:
                number = normalize_phone(part)
            except ValidationError as exc:
                self.error("phones", " ".join(exc.messages))
                continue
            if number not in numbers:
                numbers.append(number)
        if not raw:
            self.error("phones", _("Enter at least one phone number."))
        return numbers

    def tags(self) -> list[str]:
        names = [t.strip() for t in TAG_SEPARATORS.split(self.cells.get("tags", "")) if t.strip()]
        for name in names:
            if len(name) > 30:
                self.error(
                    "tags", _("The tag “%(tag)s” is longer than 30 characters.") % {"tag": name}
                )
        return list(dict.fromkeys(names))


def _existing_phones(company: Company, numbers: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    numbers = list(numbers)
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        found.update(
            CustomerPhone.objects.filter(company=company, number__in=chunk).values_list(
                "number", "customer_id"
            )
        )
    return found


def _address_values(address: Address | None) -> dict[str, Any]:
    if address is None:
        return {}
    values = {key: getattr(address, key) for key in ADDRESS_KEYS}
    values |= {"latitude": address.latitude, "longitude": address.longitude}
    return values


def _has_changes(plan: RowPlan, customer: Customer) -> bool:
    for key in PROFILE_KEYS:
        if key in plan.values and plan.values[key] != getattr(customer, key):
            return True
    if plan.phones != [phone.number for phone in customer.phones.all()]:
        return True
    if plan.tags and set(plan.tags) != {tag.name for tag in customer.tags.all()}:
        return True
    current = _address_values(customer.default_address)
    wanted = {
        key: plan.values[key]
        for key in (*ADDRESS_KEYS, "latitude", "longitude")
        if key in plan.values
    }
    if wanted and not current:
        return True
    return any(current.get(key) != value for key, value in wanted.items())


def import_plan(*, company: Company, table: list[list[str]]) -> ImportPlan:
    """Check every row; nothing is written. Errors carry the spreadsheet row number."""
    rows = [(number, row) for number, row in enumerate(table, start=1) if any(row)]
    if not rows:
        raise ImportFileError(_("The file is empty."), code="empty")
    _header_number, header = rows[0]
    positions = _header_map(header)
    data_rows = rows[1:]
    if not data_rows:
        raise ImportFileError(_("The file has a header row but no customers."), code="empty")
    if len(data_rows) > MAX_ROWS:
        raise ImportFileError(
            _("At most %(limit)d rows per file; split the file.") % {"limit": MAX_ROWS}
        )
    plan = ImportPlan(columns=[COLUMNS_BY_KEY[key].header for key in positions])
    types, billing = _choice_lookup(CustomerType), _choice_lookup(BillingMode)
    first_row_of_phone: dict[str, int] = {}
    for number, row in data_rows:
        cells = {key: (row[index] if index < len(row) else "") for key, index in positions.items()}
        checker = _RowChecker(number, cells, plan.errors)
        for key in ("name", "notes", "province", "city", "district", "street", "community",
                    "building", "unit", "room", "delivery_notes"):  # fmt: skip
            checker.text(key)
        if "name" not in checker.values and not cells.get("name"):
            checker.error("name", _("Enter the customer's name."))
        checker.choice("customer_type", types)
        checker.choice("billing_mode", billing)
        checker.floor()
        checker.elevator()
        checker.coordinates()
        phones = checker.phones()
        for phone in phones:
            if phone in first_row_of_phone:
                checker.error(
                    "phones",
                    _("%(phone)s is already in row %(row)d of this file.")
                    % {"phone": phone, "row": first_row_of_phone[phone]},
                )
            else:
                first_row_of_phone[phone] = number
        plan.rows.append(RowPlan(number, checker.values, phones, checker.tags()))
    _match_existing(company, plan)
    failed = {error.row for error in plan.errors}
    plan.rows = [row for row in plan.rows if row.row not in failed]
    return plan


def _match_existing(company: Company, plan: ImportPlan) -> None:
    existing = _existing_phones(company, (p for row in plan.rows for p in row.phones))
    customer_ids = set(existing.values())
    customers = {
        customer.pk: customer
        for customer in Customer.objects.filter(
            company=company, pk__in=customer_ids
        ).prefetch_related("tags", "phones", "addresses")
    }
    for row in plan.rows:
        owners = {existing[p] for p in row.phones if p in existing}
        if len(owners) > 1:
            names = "、".join(sorted(customers[pk].name for pk in owners))
            plan.errors.append(
                RowError(
                    row.row,
                    COLUMNS_BY_KEY["phones"].header,
                    _("These phone numbers belong to different customers: %(names)s.")
                    % {"names": names},
                )
            )
            continue
        if owners:
            row.customer = customers[owners.pop()]
            row.changed = _has_changes(row, row.customer)
        else:
            if "name" not in row.values:
                continue
            touches_address = any(key in row.values for key in ADDRESS_KEYS)
            if touches_address and "street" not in row.values:
                plan.errors.append(
                    RowError(
                        row.row, COLUMNS_BY_KEY["street"].header, _("Enter the street and number.")
                    )
                )
    plan.errors.sort(
        key=lambda error: (error.row, list(COLUMNS_BY_KEY).index(_key_of(error.column)))
    )


def _key_of(header: str) -> str:
    return next(column.key for column in COLUMNS if column.header == header)


# --- writing -----------------------------------------------------------------------


class ImportFailed(Exception):
    def __init__(self, plan: ImportPlan) -> None:
        super().__init__(f"{len(plan.errors)} errors")
        self.plan = plan


def _address_data(values: dict[str, Any], current: Address | None) -> AddressData | None:
    merged = _address_values(current) | {
        key: values[key] for key in (*ADDRESS_KEYS, "latitude", "longitude") if key in values
    }
    if not merged.get("street"):
        return None
    source = ""
    if merged.get("latitude") is not None:
        moved = current is None or (current.latitude, current.longitude) != (
            merged["latitude"],
            merged["longitude"],
        )
        source = CoordinateSource.IMPORT if moved else current.coordinate_source  # type: ignore[union-attr]
    return AddressData(
        **{key: merged[key] for key in ADDRESS_KEYS if key in merged},
        latitude=merged.get("latitude"),
        longitude=merged.get("longitude"),
        coordinate_source=source,
        label=current.label if current else "",
        depot_id=current.depot_id if current else None,
    )


def _next_code_number(company: Company) -> int:
    Company.objects.select_for_update().get(pk=company.pk)
    codes = Customer.objects.filter(company=company, code__startswith=CODE_PREFIX).values_list(
        "code", flat=True
    )
    return max((int(code[1:]) for code in codes if code[1:].isdigit()), default=0) + 1


def _tags_by_name(company: Company, plan: ImportPlan) -> dict[str, Tag]:
    names = {name for row in plan.rows for name in row.tags}
    tags = {tag.name: tag for tag in Tag.objects.filter(company=company, name__in=names)}
    for name in sorted(names - set(tags)):
        tags[name] = Tag.objects.create(company=company, name=name)
    return tags


def _update_row(row: RowPlan, tags: dict[str, Tag]) -> None:
    """An existing customer, through the customer services (skipped when nothing changed)."""
    if not row.changed or row.customer is None:
        return
    customer = row.customer
    current = customer.default_address
    profile = {key: row.values[key] for key in PROFILE_KEYS if key in row.values}
    customer_update(
        customer=customer,
        phones=row.phones,
        tags=[tags[name] for name in row.tags] if row.tags else None,
        **profile,
    )
    data = _address_data(row.values, current)
    if data is None:
        return
    if current is None:
        address_add(customer=customer, data=data, make_default=True)
    elif _address_values(current) != _address_values(current) | {
        key: row.values[key]
        for key in (*ADDRESS_KEYS, "latitude", "longitude")
        if key in row.values
    }:
        address_update(address=current, data=data)


def _create_rows(company: Company, rows: list[RowPlan], tags: dict[str, Tag]) -> None:
    """New customers in bulk, with what ``customer_create`` would store.

    ``customer_create`` costs about 30 queries a customer (validation queries,
    phones one by one, the search line); a thousand rows would take a minute.
    The rows were checked by :func:`import_plan`; here each object is still
    ``full_clean``-ed without queries, and the database constraints (one phone
    per company, one code per company) stop any race.
    """
    if not rows:
        return
    number = _next_code_number(company)
    customers = []
    for offset, row in enumerate(rows):
        customer = Customer(
            company=company,
            code=f"{CODE_PREFIX}{number + offset:05d}",
            source=Channel.IMPORT,
            **{key: row.values[key] for key in PROFILE_KEYS if key in row.values},
        )
        # Foreign keys are ours (company) or empty; checking them would query per row.
        customer.full_clean(
            exclude=["company", "group", "search_text", "name_initials"],
            validate_unique=False,
            validate_constraints=False,
        )
        customers.append(customer)
    Customer.objects.bulk_create(customers)
    phones, addresses, tag_links = [], [], []
    Link = Customer.tags.through
    for customer, row in zip(customers, rows, strict=True):
        for position, number_text in enumerate(row.phones):
            phones.append(
                CustomerPhone(
                    company=company,
                    customer=customer,
                    number=number_text,
                    number_reversed=number_text[::-1],
                    is_primary=position == 0,
                )
            )
        tag_links += [Link(customer_id=customer.pk, tag_id=tags[name].pk) for name in row.tags]
        data = _address_data(row.values, None)
        if data is not None:
            address = Address(
                company=company, customer=customer, is_default=True, **_new_address_fields(data)
            )
            address.full_clean(
                exclude=["company", "customer", "depot"],
                validate_unique=False,
                validate_constraints=False,
            )
            addresses.append(address)
    CustomerPhone.objects.bulk_create(phones)
    Link.objects.bulk_create(tag_links)
    Address.objects.bulk_create(addresses)
    for address in addresses:
        if not address.has_coordinates:
            geocode_address_later(address_id=address.pk)
    fresh = Customer.objects.filter(pk__in=[c.pk for c in customers]).prefetch_related(
        "phones", "addresses"
    )
    for customer in fresh:
        customer_refresh_search(customer=customer)


def _new_address_fields(data: AddressData) -> dict[str, Any]:
    fields = {key: getattr(data, key) for key in ADDRESS_KEYS}
    if data.latitude is not None and data.longitude is not None:
        fields |= {
            "latitude": data.latitude,
            "longitude": data.longitude,
            "coordinate_source": CoordinateSource.IMPORT,
            "precision": Precision.EXACT,
        }
    return fields


@transaction.atomic
def customers_import(*, company: Company, table: list[list[str]]) -> ImportPlan:
    """All or nothing: re-check the rows, then write every one or none."""
    plan = import_plan(company=company, table=table)
    if not plan.ok:
        raise ImportFailed(plan)
    tags = _tags_by_name(company, plan)
    row = None
    try:
        for row in plan.rows:
            _update_row(row, tags)
        row = None
        _create_rows(company, [r for r in plan.rows if r.customer is None], tags)
    except (ValidationError, IntegrityError) as exc:
        # Someone changed the customers since the check: leaving the atomic
        # block by this exception rolls back every row written so far.
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        plan.errors.append(RowError(row.row if row else 0, "", " ".join(messages)))
        raise ImportFailed(plan) from exc
    return plan


# --- export ------------------------------------------------------------------------


def spreadsheet_safe(text: str) -> str:
    """Prefix text that a spreadsheet would run as a formula with a single quote."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def export_rows(customers: Iterable[Customer]) -> Iterator[list[Any]]:
    """The header and one row per customer, in the import's columns."""
    yield [column.header for column in COLUMNS]
    with translation.override("zh-hans"):
        for customer in customers:
            address = customer.default_address
            values: dict[str, Any] = {
                "name": customer.name,
                "phones": " / ".join(phone.number for phone in customer.phones.all()),
                "customer_type": str(customer.get_customer_type_display()),
                "billing_mode": str(customer.get_billing_mode_display()),
                "tags": ",".join(tag.name for tag in customer.tags.all()),
                "notes": customer.notes,
            }
            if address is not None:
                values |= {key: getattr(address, key) for key in ADDRESS_KEYS}
                values["has_elevator"] = "有" if address.has_elevator else "无"
                values["latitude"] = address.latitude
                values["longitude"] = address.longitude
            yield [values.get(column.key) for column in COLUMNS]


def _csv_text(value: Any) -> str:
    return "" if value is None else spreadsheet_safe(str(value))


def export_csv(rows: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value
    return spreadsheet_safe(XLSX_ILLEGAL.sub("", str(value)))


def export_xlsx(rows: Iterable[list[Any]], *, title: str = "") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title or _("Customers"))
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the upload kept between preview and import ------------------------------------


@transaction.atomic
def import_upload_store(
    *,
    company: Company,
    staff: StaffMember,
    filename: str,
    content: bytes,
    kind: str = ImportKind.CUSTOMERS,
) -> ImportUpload:
    """Keep an uploaded file for its preview; uploads older than a day are dropped."""
    if len(content) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 5 MB."), code="too_big")
    ImportUpload.objects.filter(
        company=company, created_at__lt=timezone.now() - timedelta(days=1)
    ).delete()
    return ImportUpload.objects.create(
        company=company, uploaded_by=staff, filename=filename[:200], content=content, kind=kind
    )


def import_upload_table(*, upload: ImportUpload) -> list[list[str]]:
    return read_table(content=bytes(upload.content), filename=upload.filename)


@transaction.atomic
def import_upload_run(*, upload: ImportUpload) -> ImportPlan:
    """Import a previewed upload once; a second confirm (double click) imports nothing."""
    upload = ImportUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.imported_at is not None:
        raise ImportFileError(_("This file was already imported."), code="done")
    plan = customers_import(company=upload.company, table=import_upload_table(upload=upload))
    upload.imported_at = timezone.now()
    upload.created_count, upload.updated_count = plan.created, plan.updated
    upload.save(update_fields=["imported_at", "created_count", "updated_count"])
    return plan
