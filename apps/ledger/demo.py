"""Two weeks of believable books for the demo water station, posted through the services.

Every action has a deterministic business key, so running the seed again posts
nothing new. Without demo customers only the depot's stock is recorded.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from apps.catalog.models import Product, TicketPackage
from apps.core.demo import DemoWorld
from apps.customers.models import BillingMode, Customer
from apps.ledger import services, statements
from apps.ledger.errors import LedgerError
from apps.ledger.models import Account, AccountKind, Handover, StatementBatch
from apps.ledger.services import Line, Method, Payment
from apps.org.demo import WATER
from apps.org.models import Company, Depot, StaffMember

DAYS = 84  # twelve weeks: enough for the reports' forecast, run-out and dormant lists
# Each household has its own rhythm: every 3 to 10 days. Every tenth stopped three weeks ago.
RHYTHMS = (3, 4, 5, 6, 7, 7, 8, 10)
SILENT_FOR_DAYS = 21
MAX_STOPS_PER_DAY = 14
WATER_SKUS = ("W-NFSQ-189", "W-QQ-189", "W-WHH-189")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def seed(world: DemoWorld) -> None:
    company = world.companies.get(WATER)
    if company is None:
        return
    products = {p.sku: p for p in Product.objects.filter(company=company, sku__in=WATER_SKUS)}
    depot = Depot.objects.filter(company=company).order_by("name").first()
    if not products or depot is None:
        return
    rng = random.Random("ledger-demo")
    start = world.today - timedelta(days=DAYS)
    for sku, product in products.items():
        services.stock_receive(
            company=company,
            key=f"demo:receive:{sku}",
            depot=depot,
            product=product,
            quantity=2000,
            occurred_at=_at(start - timedelta(days=1), 8),
        )
        services.stock_threshold_set(company=company, depot=depot, product=product, threshold=100)
    customers = list(Customer.objects.filter(company=company).order_by("code")[:60])
    if not customers:
        world.log("ledger: depot stock only (no demo customers)")
        return
    couriers = list(
        StaffMember.objects.filter(company=company, role="courier", home_depot=depot).order_by(
            "pk"
        )[:2]
    )
    packages = list(TicketPackage.objects.filter(company=company, is_active=True).order_by("pk"))
    _opening(company, customers, packages, depot, rng, start)
    for offset in range(DAYS):
        _day(
            company,
            customers,
            couriers,
            products,
            depot,
            rng,
            start + timedelta(days=offset),
            offset,
        )
    _closed_month(company, customers, couriers, products, depot, world.today)
    world.log(f"ledger: {DAYS} days of deliveries, payments and hand-overs")


def _opening(company, customers, packages, depot, rng, start):  # type: ignore[no-untyped-def]
    """Before the twelve weeks: ticket books, deposits and prepaid wallets."""
    bucket = Product.objects.get(company=company, sku="W-NFSQ-189").container_type
    for index, customer in enumerate(customers):
        day = _at(start - timedelta(days=1), 9, index % 60)
        if customer.billing_mode == BillingMode.PREPAID:
            services.wallet_top_up(
                company=company,
                key=f"demo:topup:{customer.pk}",
                customer=customer,
                amount_fen=rng.choice([20000, 30000, 50000]),
                method=Method.WECHAT,
                occurred_at=day,
            )
        if index % 3 == 0 and packages:
            services.tickets_sell(
                company=company,
                key=f"demo:tickets:{customer.pk}",
                customer=customer,
                package=packages[index % len(packages)],
                method=rng.choice([Method.CASH, Method.WECHAT]),
                occurred_at=day,
            )
        if bucket is not None:
            if index % 4 == 1:
                services.containers_lend(
                    company=company,
                    key=f"demo:lend:{customer.pk}",
                    customer=customer,
                    container_type=bucket,
                    quantity=1,
                    occurred_at=day,
                )
            else:
                services.deposit_take(
                    company=company,
                    key=f"demo:deposit:{customer.pk}",
                    customer=customer,
                    container_type=bucket,
                    quantity=rng.choice([1, 1, 2]),
                    method=Method.CASH,
                    occurred_at=day,
                )


def _ticket_type_for(customer: Customer, product: Product) -> object | None:
    account = (
        Account.objects.filter(
            customer=customer,
            kind=AccountKind.TICKETS,
            ticket_type__products=product,
            balance__lt=0,
        )
        .select_related("ticket_type")
        .first()
    )
    return account.ticket_type if account else None


def _settle(company, customer, courier, product, quantity, rng, when, key):  # type: ignore[no-untyped-def]
    price = product.price_fen
    ticket_type = _ticket_type_for(customer, product)
    if ticket_type is not None:
        payments = [Payment(Method.TICKETS, ticket_type=ticket_type, tickets=quantity)]  # type: ignore[arg-type]
    elif customer.billing_mode == BillingMode.MONTHLY_CREDIT:
        payments = [Payment(Method.CREDIT, price * quantity)]
    elif customer.billing_mode == BillingMode.PREPAID:
        payments = [Payment(Method.WALLET, price * quantity)]
    elif quantity > 1 and rng.random() < 0.3:
        payments = [Payment(Method.CASH, price), Payment(Method.ALIPAY, price * (quantity - 1))]
    else:
        payments = [
            Payment(rng.choice([Method.CASH, Method.CASH, Method.WECHAT]), price * quantity)
        ]
    empties = {product.container_type: quantity if rng.random() < 0.9 else quantity - 1}
    try:
        services.delivery_settle(
            company=company,
            key=key,
            customer=customer,
            courier=courier,
            lines=[Line(product, quantity, price)],
            payments=payments,
            empties=empties,
            occurred_at=when,
        )
    except LedgerError:
        # An empty wallet or a credit line used up: this customer pays cash at the door.
        services.delivery_settle(
            company=company,
            key=key,
            customer=customer,
            courier=courier,
            lines=[Line(product, quantity, price)],
            payments=[Payment(Method.CASH, price * quantity)],
            empties=empties,
            occurred_at=when,
        )


def _due_on(customers: list[Customer], offset: int) -> list[Customer]:
    """The households whose own rhythm brings them a delivery on day ``offset``."""
    due = []
    for index, customer in enumerate(customers):
        rhythm = RHYTHMS[index % len(RHYTHMS)]
        silent = index % 10 == 9 and offset >= DAYS - SILENT_FOR_DAYS
        if not silent and (offset + index) % rhythm == 0:
            due.append(customer)
    return due[:MAX_STOPS_PER_DAY]


def _day(company, customers, couriers, products, depot, rng, day, offset):  # type: ignore[no-untyped-def]
    for courier in couriers:
        for sku, product in products.items():
            services.stock_load(
                company=company,
                key=f"demo:load:{courier.pk}:{sku}:{day}",
                depot=depot,
                courier=courier,
                product=product,
                quantity=10,
                occurred_at=_at(day, 7, 30),
            )
    stops = _due_on(customers, offset)
    for index, customer in enumerate(stops):
        courier = couriers[index % len(couriers)]
        product = products.get(WATER_SKUS[index % len(WATER_SKUS)]) or next(iter(products.values()))
        _settle(
            company,
            customer,
            courier,
            product,
            (1, 1, 2)[customer.pk % 3],  # each household takes its usual number
            rng,
            _at(day, 9 + index // 2, (index * 7) % 60),
            f"demo:stop:{day}:{customer.pk}",
        )
    for index, courier in enumerate(couriers):
        if Handover.objects.filter(courier=courier, day=day).exists():
            continue
        expected = services.handover_refs(company=company, courier=courier)
        accounts = services.lock(company=company, refs=expected)
        counted = {a.pk: a.display_balance for a in accounts.values()}
        declared = dict(counted)
        if offset == DAYS - 3 and index == 0:
            cash = next(a for a in accounts.values() if a.kind == AccountKind.COURIER_CASH)
            counted[cash.pk] = max(0, cash.display_balance - 2000)  # ¥20 short
        services.handover_record(
            company=company,
            courier=courier,
            day=day,
            depot=depot,
            counted=counted,
            declared=declared,
            scan_declared_fen=services.scan_collected_fen(
                company=company, courier=courier, day=day
            ),
            occurred_at=_at(day, 18),
        )
        goods = {
            p: a.display_balance
            for p in products.values()
            for a in Account.objects.filter(
                courier=courier, kind=AccountKind.VEHICLE_STOCK, product=p
            )
            if a.display_balance > 0
        }
        if goods:
            services.stock_return(
                company=company,
                key=f"demo:return:{courier.pk}:{day}",
                depot=depot,
                courier=courier,
                goods=goods,
                occurred_at=_at(day, 18, 30),
            )


def _closed_month(company: Company, customers, couriers, products, depot, today: date) -> None:  # type: ignore[no-untyped-def]
    """Last month: credit deliveries to the offices, then the month closed with statements."""
    last_month_day = today.replace(day=1) - timedelta(days=10)
    credit = [c for c in customers if c.billing_mode == BillingMode.MONTHLY_CREDIT][:8]
    product = next(iter(products.values()))
    for customer in credit:
        for sku_product in (product,):
            services.stock_load(
                company=company,
                key=f"demo:load-month:{customer.pk}",
                depot=depot,
                courier=couriers[0],
                product=sku_product,
                quantity=4,
                occurred_at=_at(last_month_day, 7),
            )
        services.delivery_settle(
            company=company,
            key=f"demo:month:{customer.pk}",
            customer=customer,
            courier=couriers[0],
            lines=[Line(product, 4, product.price_fen)],
            payments=[Payment(Method.CREDIT, 4 * product.price_fen)],
            empties={product.container_type: 4},
            occurred_at=_at(last_month_day, 10),
        )
    if credit and not StatementBatch.objects.filter(company=company).exists():
        batch = statements.batch_request(company=company, month=last_month_day)
        statements.batch_render(batch_id=batch.pk)
