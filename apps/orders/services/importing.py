"""Importing a day's orders from a spreadsheet (CSV or XLSX, UTF-8 or GBK).

Like the customer import (whose file reading, header matching and upload store
this module reuses), it happens in two steps. :func:`orders_import_plan` checks
every row against the company's customers, products and orders and writes
nothing; it returns the orders it would create and every error with its row
number and column. :func:`orders_import` builds a fresh plan and, only when no
row has an error, creates every order through ``order_create`` (channel
"import") inside one transaction: all orders or none.

Rows become orders like this: rows with the same external order number (and
the same customer) are the lines of one order; a row without an external number
is an order of its own. A following row of a numbered order may leave the
customer and the order cells (address, date, window, payment) empty; where it
fills them they must agree with the order's first row.

A customer is found by code or phone. An unknown phone with a name and an
address adds a customer (once, however many rows name them). An address cell of
a known customer picks one of their addresses, or adds it to them.

An external number that an earlier import already put in the pool is reported
as "already imported" on each of its rows and skipped, so importing the same
file again creates nothing new.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.catalog.models import Product
from apps.core.phones import normalize_phone
from apps.customers.models import (
    Address,
    BillingMode,
    Channel,
    Customer,
    CustomerPhone,
    CustomerStatus,
    ImportKind,
    ImportUpload,
)
from apps.customers.services.customers import AddressData, address_add, customer_create
from apps.customers.services.transfer import (
    NO,
    YES,
    Column,
    ImportFileError,
    RowError,
    header_key,
    import_upload_table,
)
from apps.orders.errors import DuplicateExternalOrder
from apps.orders.models import Order, OrderChannel, PaymentIntent
from apps.orders.pricing import LineRequest, Quote, order_quote
from apps.orders.services.intake import order_create
from apps.orders.windows import DAY_ENDS, DAY_STARTS, SLOT_HOURS, Window
from apps.org.models import Company

MAX_ROWS = 1_000
MAX_QUANTITY = 9_999
MAX_DAYS_AHEAD = 90
NOTES_LIMIT = 300


COLUMNS: tuple[Column, ...] = (
    Column(
        "external_id",
        "外部单号",
        (
            "external order number",
            "external number",
            "external id",
            "order number",
            "order no",
            "外部订单号",
            "订单号",
            "订单编号",
            "单号",
        ),
        64,
    ),
    Column("customer_code", "客户编号", ("customer code", "code", "客户代码", "编号"), 20),
    Column(
        "phone",
        "电话",
        (
            "phone",
            "phones",
            "mobile",
            "tel",
            "telephone",
            "手机",
            "手机号",
            "手机号码",
            "电话号码",
            "联系电话",
        ),
    ),
    Column(
        "name",
        "姓名",
        ("name", "customer", "customer name", "客户", "客户名称", "客户姓名", "收货人", "联系人"),
        100,
    ),
    Column(
        "address",
        "地址",
        ("address", "street", "收货地址", "送货地址", "配送地址", "详细地址", "街道门牌"),
        100,
    ),
    Column("floor", "楼层", ("floor",)),
    Column("has_elevator", "电梯", ("elevator", "has elevator")),
    Column("product", "商品", ("product", "product name", "商品名称", "品名", "产品", "货品")),
    Column("sku", "商品编码", ("sku", "product code", "货号", "编码")),
    Column("quantity", "数量", ("quantity", "qty", "count", "件数", "份数")),
    Column("date", "配送日期", ("date", "delivery date", "day", "日期", "送货日期", "配送日")),
    Column(
        "window",
        "时段",
        (
            "window",
            "delivery window",
            "time",
            "配送时段",
            "送货时段",
            "时间段",
            "配送时间",
            "送货时间",
            "送达时间",
        ),
    ),
    Column("start", "开始时间", ("from", "start", "window start", "最早送达")),
    Column("end", "结束时间", ("to", "until", "end", "window end", "最晚送达")),
    Column(
        "payment",
        "付款方式",
        ("payment", "payment method", "pay", "paid by", "支付方式", "付款", "支付"),
    ),
    Column("notes", "备注", ("notes", "note", "remark", "remarks", "订单备注"), NOTES_LIMIT),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
COLUMN_ORDER = {column.header: position for position, column in enumerate(COLUMNS)}
HEADER_LOOKUP = {
    header_key(name): column.key
    for column in COLUMNS
    for name in (column.header, column.key, *column.aliases)
}
# The downloadable template: the columns most files need, in this order.
TEMPLATE_KEYS = (
    "external_id", "customer_code", "phone", "name", "address", "floor", "has_elevator",
    "product", "quantity", "date", "window", "payment", "notes",
)  # fmt: skip

PAYMENT_WORDS: dict[str, tuple[str, ...]] = {
    PaymentIntent.CASH: ("现金", "货到付款", "到付", "cash", "cod", "cash on delivery"),
    PaymentIntent.SCAN: (
        "扫码",
        "扫码支付",
        "微信",
        "微信支付",
        "支付宝",
        "scan",
        "wechat",
        "alipay",
    ),
    PaymentIntent.WALLET: ("钱包", "余额", "预存", "预存款", "wallet", "balance", "prepaid"),
    PaymentIntent.TICKETS: ("水票", "气票", "奶卡", "票", "tickets", "ticket", "voucher"),
    PaymentIntent.CREDIT: ("月结", "挂账", "记账", "credit", "monthly", "on account"),
    PaymentIntent.PAID_ONLINE: (
        "已付",
        "已付款",
        "已支付",
        "在线支付",
        "线上支付",
        "paid",
        "online",
    ),
}
PAYMENT_HINT = "现金、扫码、钱包、水票、月结、已付"

NAMED_WINDOWS: dict[str, tuple[time, time]] = {
    word: span
    for words, span in (
        (("上午", "早上", "morning", "am"), (time(8), time(12))),
        (("中午", "noon", "midday", "lunch"), (time(11), time(13))),
        (("下午", "afternoon", "pm"), (time(13), time(17))),
        (("晚上", "傍晚", "evening", "night"), (time(17), time(20))),
        (("全天", "全日", "白天", "不限", "任意", "all day", "any time", "anytime"),
         (DAY_STARTS, DAY_ENDS)),
    )
    for word in words
}  # fmt: skip
DAY_WORDS = {"今天": 0, "今日": 0, "today": 0, "明天": 1, "明日": 1, "tomorrow": 1, "后天": 2}
RANGE_SEPARATOR = re.compile(r"--?|–|—|~|～|至|到|to")
DAY_ONLY = (time.min, time.min)
EXCEL_EPOCH = date(1899, 12, 30)


# --- the plan ----------------------------------------------------------------------


@dataclass(eq=False)
class NewCustomer:
    """A customer the import adds, keyed by phone; the first row that names them decides."""

    row: int
    phone: str
    name: str
    street: str
    floor: int = 1
    has_elevator: bool = False
    customer: Customer | None = None


@dataclass(eq=False)
class NewAddress:
    """An address a known customer gets because a row sends an order there."""

    row: int
    customer: Customer
    street: str
    floor: int = 1
    has_elevator: bool = False
    address: Address | None = None


@dataclass
class PlannedLine:
    row: int
    product: Product
    quantity: int


@dataclass(eq=False)
class PlannedOrder:
    first_row: int
    external_id: str
    customer: Customer | None
    new_customer: NewCustomer | None
    address: Address | None
    new_address: NewAddress | None
    window_start: datetime
    window_end: datetime
    payment: str
    notes: list[str] = field(default_factory=list)
    lines: list[PlannedLine] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    quote: Quote | None = None
    order: Order | None = None
    broken: bool = False  # its first row has an error; later rows only attach to it

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def total_fen(self) -> int:
        return self.quote.total_fen if self.quote else 0

    @property
    def customer_label(self) -> str:
        if self.customer is not None:
            return str(self.customer)
        return self.new_customer.name if self.new_customer else ""


@dataclass
class RowResult:
    """One data row of the file as the preview shows it."""

    row: int
    customer: str = ""
    product: str = ""
    quantity: str = ""
    window: str = ""
    payment: str = ""
    order_number: int | None = None  # position of its order in the plan, from 1
    existing: Order | None = None
    errors: list[RowError] = field(default_factory=list)
    planned: PlannedOrder | None = field(default=None, repr=False)

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        return "imported" if self.existing is not None else "ok"


@dataclass
class OrderImportPlan:
    orders: list[PlannedOrder] = field(default_factory=list)
    rows: list[RowResult] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    new_customers: list[NewCustomer] = field(default_factory=list)
    new_addresses: list[NewAddress] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def order_count(self) -> int:
        return len(self.orders)

    @property
    def units(self) -> int:
        return sum(order.units for order in self.orders)

    @property
    def total_fen(self) -> int:
        return sum(order.total_fen for order in self.orders)

    @property
    def new_customer_count(self) -> int:
        return len(self.new_customers)

    @property
    def imported_before(self) -> int:
        """Orders of this file that an earlier import already put in the pool."""
        return len({row.existing.pk for row in self.rows if row.existing is not None})

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors})

    @property
    def file_errors(self) -> list[RowError]:
        return [error for error in self.errors if error.row == 0]


class OrderImportFailed(Exception):
    def __init__(self, plan: OrderImportPlan) -> None:
        super().__init__(f"{len(plan.errors)} errors")
        self.plan = plan


@dataclass
class OrderImportResult:
    plan: OrderImportPlan
    orders: list[Order]
    already_imported: int

    @property
    def new_customers(self) -> int:
        return self.plan.new_customer_count


# --- reading cells -----------------------------------------------------------------


def _squeeze(text: str) -> str:
    return "".join(text.split()).lower()


def _lookup(
    words: dict[str, tuple[str, ...]], choices: Iterable[tuple[str, Any]]
) -> dict[str, str]:
    lookup = {_squeeze(word): value for value, group in words.items() for word in group}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in choices:
                lookup[_squeeze(str(label))] = value
                lookup[value] = value
    return lookup


def _clock(text: str) -> time | None:
    """``9``, ``9:30``, ``09:30:00``, ``9点``, ``9点半``, ``0930``, ``2pm`` → a time."""
    text = _squeeze(text).replace("：", ":")
    later = text.endswith("pm")
    text = text.removesuffix("pm").removesuffix("am")
    text = text.replace("点半", ":30").replace("点", ":").replace("时", ":").replace("分", "")
    match = re.fullmatch(r"(\d{1,2})(?::(\d{1,2})?(?::\d{2})?)?", text) or re.fullmatch(
        r"(\d{2})(\d{2})", text
    )
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if later and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _window_text(text: str) -> tuple[int | None, tuple[time, time] | None]:
    """A window cell → (days from today if it names a day, the clock span).

    The span is ``None`` when the text cannot be read, and :data:`DAY_ONLY`
    when the cell names only a day (明天).
    """
    text = _squeeze(text).replace("：", ":")
    offset = None
    for word, days in DAY_WORDS.items():
        if text.startswith(word):
            offset, text = days, text[len(word) :]
            break
    if not text:
        return offset, DAY_ONLY
    if text in NAMED_WINDOWS:
        return offset, NAMED_WINDOWS[text]
    afternoon = False
    for word in ("下午", "晚上", "傍晚"):
        if text.startswith(word):
            afternoon, text = True, text[len(word) :]
    text = text.removeprefix("上午").removeprefix("早上")
    for word, before in (("之前", True), ("以前", True), ("前", True), ("之后", False),
                         ("以后", False), ("后", False)):  # fmt: skip
        if text.endswith(word):
            moment = _clock(text[: -len(word)])
            if moment is None:
                return offset, None
            moment = _afternoon(moment, afternoon)
            if before:
                start = min(DAY_STARTS, _shift(moment, -SLOT_HOURS))
                return offset, (start, moment)
            return offset, (moment, max(DAY_ENDS, _shift(moment, SLOT_HOURS)))
    parts = RANGE_SEPARATOR.split(text)
    if len(parts) == 1:
        moment = _clock(parts[0])
        if moment is None:
            return offset, None
        moment = _afternoon(moment, afternoon)
        return offset, (moment, _shift(moment, SLOT_HOURS))
    if len(parts) != 2:
        return offset, None
    first, last = _clock(parts[0]), _clock(parts[1])
    if first is None or last is None:
        return offset, None
    first, last = _afternoon(first, afternoon), _afternoon(last, afternoon)
    if last <= first and last.hour < 12 <= first.hour:
        last = time(last.hour + 12, last.minute)  # "2pm-4" means 14:00–16:00
    return offset, (first, last)


def _afternoon(moment: time, afternoon: bool) -> time:
    return time(moment.hour + 12, moment.minute) if afternoon and moment.hour < 12 else moment


def _shift(moment: time, hours: int) -> time:
    minutes = min(max(moment.hour * 60 + moment.minute + hours * 60, 0), 23 * 60 + 59)
    return time(minutes // 60, minutes % 60)


def _date(text: str, today: date) -> date | None:
    # A date-time cell (Excel dates read as "2025-01-06 00:00:00") keeps its date.
    text = _squeeze(re.sub(r"(?:\s+|[Tt])\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$", "", text.strip()))
    if text in DAY_WORDS:
        return today + timedelta(days=DAY_WORDS[text])
    try:
        if match := re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := re.fullmatch(r"(\d{1,2})[-/.月](\d{1,2})日?", text):
            day = date(today.year, int(match[1]), int(match[2]))
            # 1月2日 written at the end of December means next year.
            return day if day >= today - timedelta(days=60) else day.replace(year=today.year + 1)
        if match := re.fullmatch(r"(\d{5})(?:\.0+)?", text):
            serial = int(match[1])
            return EXCEL_EPOCH + timedelta(days=serial) if 30_000 < serial < 80_000 else None
    except ValueError:
        return None
    return None


def _aware(day: date, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock))


# --- checking rows -----------------------------------------------------------------


def _header_map(header: Sequence[str]) -> tuple[dict[str, int], list[str]]:
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        key = HEADER_LOOKUP.get(header_key(cell))
        if key is None:
            if cell.strip():
                ignored.append(cell.strip())
            continue
        if key in positions:
            raise ImportFileError(
                _("The column “%(column)s” appears twice.") % {"column": cell}, code="header"
            )
        positions[key] = index
    missing = []
    if "customer_code" not in positions and "phone" not in positions:
        missing.append(f"{COLUMNS_BY_KEY['customer_code'].header}/{COLUMNS_BY_KEY['phone'].header}")
    if "product" not in positions and "sku" not in positions:
        missing.append(COLUMNS_BY_KEY["product"].header)
    if "quantity" not in positions:
        missing.append(COLUMNS_BY_KEY["quantity"].header)
    if missing:
        raise ImportFileError(
            _("The first row must name the columns; missing: %(columns)s.")
            % {"columns": "、".join(missing)},
            code="header",
        )
    return positions, ignored


@dataclass
class _Catalog:
    """What the rows refer to, loaded once for the whole file."""

    products_by_sku: dict[str, Product]
    products_by_name: dict[str, list[Product]]
    customers_by_code: dict[str, Customer]
    customers_by_phone: dict[str, Customer]
    existing_orders: dict[str, Order]
    payments: dict[str, str]


def _load(company: Company, cells: list[dict[str, str]]) -> _Catalog:
    products = list(Product.objects.filter(company=company).select_related("container_type"))
    by_name: dict[str, list[Product]] = defaultdict(list)
    for product in products:
        by_name[_squeeze(product.name)].append(product)
    codes = {c["customer_code"] for c in cells if c.get("customer_code")}
    phones: set[str] = set()
    for row in cells:
        try:
            phones.add(normalize_phone(row.get("phone", "")))
        except ValidationError:
            continue
    owner_of = _phone_owners(company, phones)
    customers = {
        customer.pk: customer
        for customer in Customer.objects.filter(company=company)
        .filter(pk__in=set(owner_of.values()))
        .select_related("group")
        .prefetch_related("addresses")
    }
    by_code = {
        customer.code.upper(): customer
        for customer in Customer.objects.filter(
            company=company, code__in=codes | {code.upper() for code in codes}
        )
        .select_related("group")
        .prefetch_related("addresses")
    }
    external_ids = {c["external_id"] for c in cells if c.get("external_id")}
    existing = {
        order.external_id: order
        for order in Order.objects.filter(
            company=company, channel=OrderChannel.IMPORT, external_id__in=external_ids
        )
    }
    return _Catalog(
        products_by_sku={product.sku.lower(): product for product in products},
        products_by_name=by_name,
        customers_by_code=by_code,
        customers_by_phone={number: customers[pk] for number, pk in owner_of.items()},
        existing_orders=existing,
        payments=_lookup(PAYMENT_WORDS, PaymentIntent.choices),
    )


def _phone_owners(company: Company, numbers: Iterable[str]) -> dict[str, int]:
    numbers = sorted(numbers)
    found: dict[str, int] = {}
    for start in range(0, len(numbers), 500):
        found.update(
            CustomerPhone.objects.filter(
                company=company, number__in=numbers[start : start + 500]
            ).values_list("number", "customer_id")
        )
    return found


def default_payment(customer: Customer | None) -> str:
    if customer is not None and customer.billing_mode == BillingMode.MONTHLY_CREDIT:
        return PaymentIntent.CREDIT
    if customer is not None and customer.billing_mode == BillingMode.PREPAID:
        return PaymentIntent.WALLET
    return PaymentIntent.CASH


@dataclass
class _OrderCells:
    """The order-level values a row fills in (``None``: the cell was empty)."""

    address: str | None
    window: tuple[datetime, datetime] | None
    window_given: bool
    window_key: str  # the column a window error points at
    payment: str | None
    floor: int
    has_elevator: bool
    notes: str


class _RowChecker:
    """Turns one row of text into typed values, collecting errors per column."""

    def __init__(
        self,
        number: int,
        cells: dict[str, str],
        catalog: _Catalog,
        default_window: Window,
        now: datetime,
    ) -> None:
        self.row = number
        self.cells = cells
        self.catalog = catalog
        self.default_window = default_window
        self.now = now
        self.result = RowResult(number)

    @property
    def errors(self) -> list[RowError]:
        return self.result.errors

    def cell(self, key: str) -> str:
        return self.cells.get(key, "").strip()

    def error(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.row, COLUMNS_BY_KEY[key].header, message))

    def text(self, key: str) -> str:
        value = self.cell(key)
        limit = COLUMNS_BY_KEY[key].max_length
        if limit and len(value) > limit:
            self.error(key, _("At most %(limit)d characters.") % {"limit": limit})
            return value[:limit]
        return value

    # customers

    def phone(self) -> str | None:
        raw = self.cell("phone")
        if not raw:
            return None
        try:
            return normalize_phone(raw)
        except ValidationError as exc:
            self.error("phone", " ".join(exc.messages))
            return None

    def known_customer(self, phone: str | None) -> Customer | None:
        code = self.text("customer_code")
        by_phone = self.catalog.customers_by_phone.get(phone) if phone else None
        if not code:
            return by_phone
        customer = self.catalog.customers_by_code.get(code.upper())
        if customer is None:
            self.error("customer_code", _("No customer has the code %(code)s.") % {"code": code})
            return None
        if by_phone is not None and by_phone.pk != customer.pk:
            self.error(
                "phone",
                _("%(phone)s belongs to %(other)s, not to %(customer)s.")
                % {"phone": phone, "other": by_phone, "customer": customer},
            )
        return customer

    def check_customer(self, customer: Customer) -> None:
        if customer.status == CustomerStatus.BLOCKED:
            key = "customer_code" if self.cell("customer_code") else "phone"
            self.error(
                key,
                _("%(customer)s is blocked: %(reason)s")
                % {"customer": customer.name, "reason": customer.blocked_reason},
            )

    def new_customer(self, phone: str, order: _OrderCells) -> NewCustomer | None:
        name = self.text("name")
        if not name and not order.address:
            self.error(
                "phone",
                _(
                    "No customer has the phone %(phone)s; to add one, fill in %(name)s and %(address)s."
                )
                % {
                    "phone": phone,
                    "name": COLUMNS_BY_KEY["name"].header,
                    "address": COLUMNS_BY_KEY["address"].header,
                },
            )
            return None
        if not name:
            self.error("name", _("Enter the name of the new customer."))
        if not order.address:
            self.error("address", _("Enter the address of the new customer."))
        if not name or not order.address:
            return None
        return NewCustomer(self.row, phone, name, order.address, order.floor, order.has_elevator)

    # products

    def product(self) -> Product | None:
        sku, name = self.cell("sku"), self.cell("product")
        if not sku and not name:
            self.error(
                "product" if "product" in self.cells else "sku",
                _("Enter the product's SKU or name."),
            )
            return None
        key, value = ("sku", sku) if sku else ("product", name)
        product = self.catalog.products_by_sku.get(value.lower())
        if product is None and not sku:
            matches = self.catalog.products_by_name.get(_squeeze(value), [])
            active = [p for p in matches if p.is_active]
            if len(active) > 1:
                self.error(
                    key,
                    _("Several products are called “%(value)s”: use the SKU.") % {"value": value},
                )
                return None
            product = next(iter(active or matches), None)
        if product is None:
            self.error(key, _("No product has the SKU or name “%(value)s”.") % {"value": value})
            return None
        if sku and name and _squeeze(name) not in {_squeeze(product.name), product.sku.lower()}:
            self.error(
                "product",
                _("“%(value)s” is not the product with SKU %(sku)s.")
                % {"value": name, "sku": product.sku},
            )
            return None
        if not product.is_active:
            self.error(key, _("%(product)s is no longer sold.") % {"product": product})
            return None
        self.result.product = product.name
        return product

    def quantity(self) -> int | None:
        raw = self.cell("quantity")
        if not raw:
            self.error("quantity", _("Enter the quantity."))
            return None
        number = re.sub(r"\s*[^\d.\s]{1,2}$", "", raw)  # "2桶", "3 箱"
        try:
            value = Decimal(number)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or value != value.to_integral_value():
            self.error("quantity", _("“%(value)s” is not a whole number.") % {"value": raw})
            return None
        if not 1 <= value <= MAX_QUANTITY:
            self.error(
                "quantity", _("A quantity between 1 and %(limit)d.") % {"limit": MAX_QUANTITY}
            )
            return None
        self.result.quantity = str(int(value))
        return int(value)

    # the order's cells

    def order_cells(self) -> _OrderCells:
        return _OrderCells(
            address=self.text("address") or None,
            window=self.window(),
            window_given=any(self.cell(key) for key in ("date", "window", "start", "end")),
            window_key=self._window_key(),
            payment=self.payment(),
            floor=self.floor(),
            has_elevator=self.elevator(),
            notes=self.text("notes"),
        )

    def _window_key(self) -> str:
        for key in ("date", "window", "start", "end"):
            if self.cell(key):
                return key
        return "date"

    def floor(self) -> int:
        raw = self.cell("floor")
        if not raw:
            return 1
        try:
            floor = int(Decimal(raw.removesuffix("楼").removesuffix("层")))
        except (InvalidOperation, ValueError):
            self.error("floor", _("“%(value)s” is not a whole number.") % {"value": raw})
            return 1
        if not -5 <= floor <= 200:
            self.error("floor", _("A floor between -5 and 200."))
            return 1
        return floor

    def elevator(self) -> bool:
        raw = self.cell("has_elevator").lower()
        if not raw:
            return False
        if raw in YES:
            return True
        if raw not in NO:
            self.error("has_elevator", _("Write 有 or 无."))
        return False

    def payment(self) -> str | None:
        raw = self.cell("payment")
        if not raw:
            return None
        value = self.catalog.payments.get(_squeeze(raw))
        if value is None:
            self.error(
                "payment",
                _("“%(value)s” is not a payment method; use %(choices)s.")
                % {"value": raw, "choices": PAYMENT_HINT},
            )
        return value

    def window(self) -> tuple[datetime, datetime] | None:
        """The row's window, or ``None`` when the date and time cells are all empty."""
        raw_date, raw_window = self.cell("date"), self.cell("window")
        raw_start, raw_end = self.cell("start"), self.cell("end")
        if not (raw_date or raw_window or raw_start or raw_end):
            return None
        default = (
            timezone.localtime(self.default_window.start),
            timezone.localtime(self.default_window.end),
        )
        today = timezone.localdate(self.now)
        day: date | None = default[0].date()
        if raw_date:
            day = _date(raw_date, today)
            if day is None:
                self.error(
                    "date",
                    _("“%(value)s” is not a date; write it like %(example)s.")
                    % {"value": raw_date, "example": f"{today + timedelta(days=1):%Y-%m-%d}"},
                )
        span = self._span(raw_window, raw_start, raw_end)
        if span is None:
            return None
        offset, clock = span
        if offset is not None:
            if raw_date:
                self.error(
                    "window", _("Give the day in the date column or in the window, not both.")
                )
                return None
            day = today + timedelta(days=offset)
        if day is None:
            return None
        if clock is None:
            clock = (default[0].time(), default[1].time())
        start, end = _aware(day, clock[0]), _aware(day, clock[1])
        if end <= start and clock == (default[0].time(), default[1].time()):
            end += timedelta(days=1)  # the default window runs past midnight
        return self.checked(start, end)

    def _span(
        self, raw_window: str, raw_start: str, raw_end: str
    ) -> tuple[int | None, tuple[time, time] | None] | None:
        """(days from today, clock span or ``None`` for the default's); ``None`` after an error."""
        if raw_window and (raw_start or raw_end):
            self.error(
                "window", _("Fill in either the window or the start and end times, not both.")
            )
            return None
        if raw_window:
            offset, clock = _window_text(raw_window)
            if clock is None:
                self.error(
                    "window",
                    _(
                        "“%(value)s” is not a delivery window; write it like 上午, 下午, 晚上 or 09:00-11:00."
                    )
                    % {"value": raw_window},
                )
                return None
            return offset, (None if clock == DAY_ONLY else clock)
        if not (raw_start or raw_end):
            return None, None
        times: dict[str, time] = {}
        for key, raw in (("start", raw_start), ("end", raw_end)):
            if not raw:
                continue
            moment = _clock(raw)
            if moment is None:
                self.error(
                    key, _("“%(value)s” is not a time; write it like 09:00.") % {"value": raw}
                )
                return None
            times[key] = moment
        start = times.get("start") or _shift(times["end"], -SLOT_HOURS)
        end = times.get("end") or _shift(times["start"], SLOT_HOURS)
        return None, (start, end)

    def checked(self, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
        key = self._window_key()
        if end <= start:
            self.error(key, _("The delivery window must end after it starts."))
            return None
        if end <= self.now:
            self.error(key, _("The delivery window has already passed."))
            return None
        if start.date() > timezone.localdate(self.now) + timedelta(days=MAX_DAYS_AHEAD):
            self.error(
                key,
                _("The delivery date is more than %(days)d days ahead.") % {"days": MAX_DAYS_AHEAD},
            )
            return None
        return start, end


def _same(a: str, b: str) -> bool:
    return _squeeze(a) == _squeeze(b)


def _address_match(customer: Customer, text: str) -> Address | None:
    wanted = _squeeze(text)
    for address in customer.addresses.all():
        if wanted in {_squeeze(address.street), _squeeze(address.short), _squeeze(address.full)}:
            return address
    return None


def _window_label(start: datetime, end: datetime) -> str:
    start, end = timezone.localtime(start), timezone.localtime(end)
    return f"{start:%m-%d %H:%M}–{end:%H:%M}"


class _Planner:
    """Walks the rows once, grouping them into orders."""

    def __init__(
        self, company: Company, catalog: _Catalog, default_window: Window, now: datetime
    ) -> None:
        self.company = company
        self.catalog = catalog
        self.default_window = default_window
        self.now = now
        self.plan = OrderImportPlan()
        self.by_external: dict[str, PlannedOrder] = {}
        self.failed_external: set[str] = set()
        self.new_by_phone: dict[str, NewCustomer] = {}
        self.new_addresses: dict[tuple[int, str], NewAddress] = {}
        self.payment_labels = dict(PaymentIntent.choices)

    def add(self, number: int, cells: dict[str, str]) -> None:
        checker = _RowChecker(number, cells, self.catalog, self.default_window, self.now)
        result = checker.result
        result.customer = (
            checker.cell("name") or checker.cell("customer_code") or checker.cell("phone")
        )
        result.product = checker.cell("product") or checker.cell("sku")
        result.quantity = checker.cell("quantity")
        self.plan.rows.append(result)
        external_id = checker.text("external_id")
        existing = self.catalog.existing_orders.get(external_id) if external_id else None
        if existing is not None:
            result.existing = existing
            return
        group = self.by_external.get(external_id) if external_id else None
        continues = external_id and not any(
            checker.cell(key) for key in ("customer_code", "phone", "name")
        )
        if continues and group is None and external_id in self.failed_external:
            return  # the order's first row carries the error
        cells_of_order = checker.order_cells()
        if continues and group is not None:
            customer, new = group.customer, group.new_customer
        else:
            customer, new = self._customer(checker, cells_of_order)
        product = checker.product()
        quantity = checker.quantity()
        if customer is None and new is None:
            if external_id and group is None:
                self.failed_external.add(external_id)
            return
        result.customer = str(customer) if customer is not None else new.name if new else ""
        if group is not None and (group.customer, group.new_customer) != (customer, new):
            checker.error(
                "external_id",
                _("Order number %(number)s is already used in row %(row)d for another customer.")
                % {"number": external_id, "row": group.first_row},
            )
            return
        if group is None:
            group = self._start_order(checker, external_id, customer, new, cells_of_order)
        else:
            self._continue_order(checker, group, cells_of_order)
        result.planned = group
        result.window = _window_label(group.window_start, group.window_end)
        result.payment = str(self.payment_labels.get(group.payment, group.payment))
        group.rows.append(number)
        if product is None or quantity is None:
            return
        twin = next((line for line in group.lines if line.product.pk == product.pk), None)
        if twin is not None:
            checker.error(
                "product",
                _("%(product)s is already in row %(row)d of this order.")
                % {"product": product.name, "row": twin.row},
            )
            return
        group.lines.append(PlannedLine(number, product, quantity))

    def _customer(
        self, checker: _RowChecker, cells: _OrderCells
    ) -> tuple[Customer | None, NewCustomer | None]:
        phone = checker.phone()
        customer = checker.known_customer(phone)
        if customer is not None:
            checker.check_customer(customer)
            return customer, None
        if checker.cell("customer_code"):
            return None, None
        if phone is None:
            if not checker.cell("phone"):
                checker.error("phone", _("Enter the customer code or phone."))
            return None, None
        first = self.new_by_phone.get(phone)
        if first is None:
            new = checker.new_customer(phone, cells)
            if new is not None:
                self.new_by_phone[phone] = new
                self.plan.new_customers.append(new)
            return None, new
        name = checker.text("name")
        if name and not _same(name, first.name):
            checker.error("name", _differs_from_new(first.row))
        return None, first

    def _address(
        self, checker: _RowChecker, customer: Customer | None, new: NewCustomer | None,
        cells: _OrderCells,
    ) -> tuple[Address | None, NewAddress | None] | None:  # fmt: skip
        """Where the order goes: a known address, a new one, or ``(None, None)`` for
        the new customer's own; ``None`` after an error."""
        if new is not None:
            if cells.address and not _same(cells.address, new.street):
                checker.error("address", _differs_from_new(new.row))
                return None
            return None, None
        assert customer is not None
        if not cells.address:
            address = customer.default_address
            if address is None:
                checker.error(
                    "address",
                    _("%(customer)s has no address yet: enter one in this column.")
                    % {"customer": customer.name},
                )
                return None
            return address, None
        address = _address_match(customer, cells.address)
        if address is not None:
            return address, None
        key = (customer.pk, _squeeze(cells.address))
        if key not in self.new_addresses:
            added = NewAddress(
                checker.row, customer, cells.address, cells.floor, cells.has_elevator
            )
            self.new_addresses[key] = added
            self.plan.new_addresses.append(added)
        return None, self.new_addresses[key]

    def _start_order(
        self, checker: _RowChecker, external_id: str, customer: Customer | None,
        new: NewCustomer | None, cells: _OrderCells,
    ) -> PlannedOrder:  # fmt: skip
        place = self._address(checker, customer, new, cells)
        window = cells.window
        if window is None and not cells.window_given:
            window = checker.checked(self.default_window.start, self.default_window.end)
        order = PlannedOrder(
            first_row=checker.row,
            external_id=external_id,
            customer=customer,
            new_customer=new,
            address=place[0] if place else None,
            new_address=place[1] if place else None,
            window_start=window[0] if window else self.default_window.start,
            window_end=window[1] if window else self.default_window.end,
            payment=cells.payment or default_payment(customer),
            notes=[cells.notes] if cells.notes else [],
            broken=place is None or window is None,
        )
        self.plan.orders.append(order)
        if external_id:
            self.by_external[external_id] = order
        return order

    def _continue_order(
        self, checker: _RowChecker, order: PlannedOrder, cells: _OrderCells
    ) -> None:
        if order.broken:
            return
        differs = _("Differs from row %(row)d of the same order.") % {"row": order.first_row}
        if cells.address:
            place = self._address(checker, order.customer, order.new_customer, cells)
            if place is not None and place != (order.address, order.new_address):
                checker.error("address", differs)
        if cells.window is not None and cells.window != (order.window_start, order.window_end):
            checker.error(cells.window_key, differs)
        if cells.payment is not None and cells.payment != order.payment:
            checker.error("payment", differs)
        if cells.notes and cells.notes not in order.notes:
            order.notes.append(cells.notes)
            if len("；".join(order.notes)) > NOTES_LIMIT:
                checker.error(
                    "notes",
                    _("The notes of one order are longer than %(limit)d characters.")
                    % {"limit": NOTES_LIMIT},
                )


def _differs_from_new(row: int) -> str:
    return _("Differs from row %(row)d, which adds the same new customer.") % {"row": row}


def _quote(order: PlannedOrder, on: date) -> Quote:
    address = order.address
    if address is None:
        source = order.new_address or order.new_customer
        address = Address(
            floor=source.floor if source else 1,
            has_elevator=source.has_elevator if source else False,
        )
    return order_quote(
        customer=order.customer,
        address=address,
        lines=[LineRequest(line.product, line.quantity) for line in order.lines],
        on=on,
    )


def _data_rows(table: list[list[str]]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    rows = [
        (number, row) for number, row in enumerate(table, start=1) if any(c.strip() for c in row)
    ]
    if not rows:
        raise ImportFileError(_("The file is empty."), code="empty")
    header, data = rows[0][1], rows[1:]
    if not data:
        raise ImportFileError(_("The file has a header row but no orders."), code="empty")
    if len(data) > MAX_ROWS:
        raise ImportFileError(
            _("At most %(limit)d rows per file; split the file.") % {"limit": MAX_ROWS}
        )
    return header, data


def orders_import_plan(
    *,
    company: Company,
    table: list[list[str]],
    default_window: Window,
    repeat_of: ImportUpload | None = None,
    now: datetime | None = None,
    priced: bool = True,
) -> OrderImportPlan:
    """Check every row; nothing is written. Errors carry the spreadsheet row number.

    ``default_window`` fills empty date and window cells: its day for an empty
    date, its hours for an empty window. ``repeat_of`` is an earlier import of
    the very same file; rows without an external number would be created twice,
    so such a plan is refused as a whole. ``priced=False`` leaves out the
    amounts (the import itself prices each order as it creates it).
    """
    now = now or timezone.now()
    header, data = _data_rows(table)
    positions, ignored = _header_map(header)
    cells = [
        {key: (row[index].strip() if index < len(row) else "") for key, index in positions.items()}
        for _number, row in data
    ]
    planner = _Planner(company, _load(company, cells), default_window, now)
    for (number, _row), row_cells in zip(data, cells, strict=True):
        planner.add(number, row_cells)
    plan = planner.plan
    plan.columns = [COLUMNS_BY_KEY[key].header for key in positions]
    plan.ignored_columns = ignored
    plan.errors = sorted(
        (error for row in plan.rows for error in row.errors),
        key=lambda error: (error.row, COLUMN_ORDER.get(error.column, 0)),
    )
    if repeat_of is not None and any(not order.external_id for order in plan.orders):
        plan.errors.insert(
            0,
            RowError(
                0,
                "",
                _(
                    "This very file was already imported on %(when)s; its rows without an "
                    "external order number would become orders a second time."
                )
                % {"when": f"{timezone.localtime(repeat_of.imported_at or now):%Y-%m-%d %H:%M}"},
            ),
        )
    failed = {error.row for error in plan.errors}
    plan.orders = [
        order
        for order in plan.orders
        if order.lines and not order.broken and not failed.intersection(order.rows)
    ]
    numbers = {id(order): position for position, order in enumerate(plan.orders, start=1)}
    for row in plan.rows:
        if row.planned is not None:
            row.order_number = numbers.get(id(row.planned))
    if priced:
        today = timezone.localdate(now)
        for order in plan.orders:
            order.quote = _quote(order, today)
    return plan


# --- writing -----------------------------------------------------------------------


def _create_customer(company: Company, new: NewCustomer) -> Customer:
    return customer_create(
        company=company,
        name=new.name,
        phones=[new.phone],
        address=AddressData(street=new.street, floor=new.floor, has_elevator=new.has_elevator),
        source=Channel.IMPORT,
    )


@transaction.atomic
def orders_import(
    *,
    company: Company,
    table: list[list[str]],
    default_window: Window,
    created_by: Any,
    repeat_of: ImportUpload | None = None,
) -> OrderImportResult:
    """All or nothing: re-check the rows, then create every order or none."""
    plan = orders_import_plan(
        company=company,
        table=table,
        default_window=default_window,
        repeat_of=repeat_of,
        priced=False,
    )
    if not plan.ok:
        raise OrderImportFailed(plan)
    created: list[Order] = []
    skipped = 0
    row = 0
    try:
        for new in plan.new_customers:
            row = new.row
            new.customer = _create_customer(company, new)
        for added in plan.new_addresses:
            row = added.row
            added.address = address_add(
                customer=added.customer,
                data=AddressData(
                    street=added.street, floor=added.floor, has_elevator=added.has_elevator
                ),
            )
        for planned in plan.orders:
            row = planned.first_row
            customer = planned.customer or (
                planned.new_customer.customer if planned.new_customer else None
            )
            assert customer is not None
            address = planned.address or (
                planned.new_address.address if planned.new_address else None
            )
            try:
                planned.order = order_create(
                    company=company,
                    customer=customer,
                    address=address,
                    lines=[LineRequest(line.product, line.quantity) for line in planned.lines],
                    window_start=planned.window_start,
                    window_end=planned.window_end,
                    channel=OrderChannel.IMPORT,
                    payment_intent=planned.payment,
                    notes="；".join(planned.notes),
                    external_id=planned.external_id,
                    created_by=created_by,
                )
            except DuplicateExternalOrder:
                # Another import took this number since the check: it is in the pool once.
                skipped += 1
                continue
            created.append(planned.order)
    except ValidationError as exc:
        # The data changed since the check; leaving the atomic block by this
        # exception rolls back every customer and order written so far.
        plan.errors.append(RowError(row, "", " ".join(exc.messages)))
        raise OrderImportFailed(plan) from exc
    return OrderImportResult(plan=plan, orders=created, already_imported=skipped)


# --- the upload kept between preview and import ------------------------------------


def orders_upload_repeat_of(*, upload: ImportUpload) -> ImportUpload | None:
    """An earlier, imported upload of the very same bytes (uploads are kept a day)."""
    return (
        ImportUpload.objects.filter(
            company_id=upload.company_id,
            kind=ImportKind.ORDERS,
            imported_at__isnull=False,
            content=bytes(upload.content),
        )
        .exclude(pk=upload.pk)
        .order_by("-imported_at")
        .first()
    )


def orders_upload_plan(*, upload: ImportUpload, default_window: Window) -> OrderImportPlan:
    return orders_import_plan(
        company=upload.company,
        table=import_upload_table(upload=upload),
        default_window=default_window,
        repeat_of=orders_upload_repeat_of(upload=upload),
    )


@transaction.atomic
def orders_upload_import(
    *, upload: ImportUpload, default_window: Window, created_by: Any
) -> OrderImportResult:
    """Import a previewed upload once; a second confirm (double click) imports nothing."""
    upload = ImportUpload.objects.select_for_update().get(pk=upload.pk, kind=ImportKind.ORDERS)
    if upload.imported_at is not None:
        raise ImportFileError(_("This file was already imported."), code="done")
    result = orders_import(
        company=upload.company,
        table=import_upload_table(upload=upload),
        default_window=default_window,
        created_by=created_by,
        repeat_of=orders_upload_repeat_of(upload=upload),
    )
    upload.imported_at = timezone.now()
    upload.created_count = len(result.orders)
    upload.save(update_fields=["imported_at", "created_count"])
    return result


# --- the template file -------------------------------------------------------------


def template_rows(*, company: Company, today: date | None = None) -> list[list[Any]]:
    """The header (Chinese names) and one example row, with one of the company's products."""
    today = today or timezone.localdate()
    product = (
        Product.objects.filter(company=company, is_active=True).order_by("category", "name").first()
    )
    example: dict[str, Any] = {
        "external_id": f"TG{today:%Y%m%d}-001",
        "phone": "13800000000",
        "name": "王芳",
        "address": "文三路 88 号 翠苑一区 3-2-502",
        "floor": 5,
        "has_elevator": "无",
        "product": product.sku if product else "W001",
        "quantity": 2,
        "date": f"{today + timedelta(days=1):%Y-%m-%d}",
        "window": "上午",
        "payment": "现金",
        "notes": "放门口",
    }
    return [
        [COLUMNS_BY_KEY[key].header for key in TEMPLATE_KEYS],
        [example.get(key, "") for key in TEMPLATE_KEYS],
    ]
