"""About five hundred milk subscriptions for the demo dairy, a few water standing orders.

Plans of every kind (daily and every-other-day cards, weekday low-fat, weekend
yoghurt, a prepaid family pack), sold through the services so the books hold
every card; then a believable calendar: holidays, swaps, skips, a few cards
nearly used up; and tomorrow's orders generated. Running it again adds nothing:
a company that has subscriptions is left as it is.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction

from apps.catalog.models import Product, TicketPackage
from apps.core.demo import DemoWorld
from apps.customers.models import BillingMode, Customer
from apps.ledger.services import Method, tickets_redeem
from apps.org.demo import DAIRY, WATER
from apps.org.models import Company
from apps.subscriptions.models import (
    CalendarChange,
    ChangeChannel,
    Plan,
    PlanItem,
    Slot,
    Subscription,
    TermKind,
)
from apps.subscriptions.schedule import ChangeKind
from apps.subscriptions.services.generation import deliveries_generate
from apps.subscriptions.services.selling import subscription_sell

DAIRY_CUSTOMERS = 420
SUBSCRIPTIONS = 500
NEARLY_USED = 8


@dataclass(frozen=True)
class PlanSpec:
    name: str
    skus: tuple[tuple[str, int], ...]
    schedule: str
    term: str
    price_fen: int
    package: str = ""
    deliveries: int | None = None
    term_days: int | None = None
    weekdays: tuple[int, ...] = ()
    interval: int = 1
    slot: str = Slot.MORNING
    weight: int = 1


DAIRY_PLANS = (
    PlanSpec(
        "每日鲜奶 30 次卡",
        (("M-FRESH-250", 1),),
        "daily",
        TermKind.CARD,
        400,
        "30 次鲜奶卡",
        30,
        weight=8,
    ),
    PlanSpec(
        "隔日鲜奶 30 次卡",
        (("M-FRESH-250", 1),),
        "every_other_day",
        TermKind.CARD,
        400,
        "30 次鲜奶卡",
        30,
        weight=4,
    ),
    PlanSpec(
        "工作日低脂奶 96 次卡",
        (("M-LOWFAT-250", 1),),
        "weekdays",
        TermKind.CARD,
        354,
        "90 次鲜奶卡",
        96,
        weight=3,
    ),
    PlanSpec(
        "周末酸奶 30 次卡",
        (("M-YOG-200", 1),),
        "chosen_weekdays",
        TermKind.CARD,
        500,
        "30 次酸奶卡",
        30,
        weekdays=(5, 6),
        weight=2,
    ),
    PlanSpec(
        "家庭装每三天 30 天预付",
        (("M-FRESH-950", 1),),
        "every_n_days",
        TermKind.PREPAID,
        1500,
        term_days=30,
        interval=3,
        weight=2,
    ),
)
WATER_PLANS = (
    PlanSpec(
        "每周一两桶",
        (("W-NFSQ-189", 2),),
        "chosen_weekdays",
        TermKind.MONTHLY,
        2000,
        weekdays=(0,),
        slot=Slot.DAYTIME,
    ),
)


def _plan(company: Company, spec: PlanSpec) -> Plan | None:
    products = {p.sku: p for p in Product.objects.filter(company=company)}
    if any(sku not in products for sku, _q in spec.skus):
        return None
    package = (
        TicketPackage.objects.filter(company=company, name=spec.package).first()
        if spec.package
        else None
    )
    if spec.package and package is None:
        return None
    plan, created = Plan.objects.get_or_create(
        company=company,
        name=spec.name,
        defaults={
            "schedule": spec.schedule,
            "weekdays": list(spec.weekdays),
            "interval_days": spec.interval,
            "slot": spec.slot,
            "term": spec.term,
            "deliveries": spec.deliveries,
            "term_days": spec.term_days,
            "ticket_package": package,
            "price_fen": spec.price_fen,
        },
    )
    if created:
        PlanItem.objects.bulk_create(
            PlanItem(plan=plan, product=products[sku], quantity=quantity)
            for sku, quantity in spec.skus
        )
    return plan


def _more_customers(world: DemoWorld, company: Company) -> None:
    """A dairy round has more doors than the shared demo gives it."""
    from apps.customers import demo as customers_demo

    if Customer.objects.filter(company=company).count() < DAIRY_CUSTOMERS:
        customers_demo.seed_company_customers(world, company, DAIRY_CUSTOMERS)


def _sell_all(
    world: DemoWorld, company: Company, plans: list[tuple[Plan, int]], count: int
) -> list[Subscription]:
    rng = random.Random(f"subscriptions-{company.name}")
    customers = list(Customer.objects.filter(company=company).order_by("code"))
    if all(plan.term == TermKind.MONTHLY for plan, _weight in plans):
        customers = [
            c for c in customers if c.billing_mode == BillingMode.MONTHLY_CREDIT
        ] or customers
    weighted = [plan for plan, weight in plans for _i in range(weight)]
    start = world.today + timedelta(days=1)
    sold = []
    for index in range(count):
        customer = customers[index % len(customers)]
        plan = rng.choice(weighted)
        sold.append(
            subscription_sell(
                company=company,
                customer=customer,
                plan=plan,
                start_date=start,
                method=rng.choice([Method.WECHAT, Method.WECHAT, Method.ALIPAY, Method.CASH]),
                quantity=2 if rng.random() < 0.12 else 1,
            )
        )
    return sold


def _calendars(
    world: DemoWorld, company: Company, sold: list[Subscription], products: dict[str, Any]
) -> None:
    rng = random.Random("subscriptions-calendars")
    first = world.today + timedelta(days=2)
    yoghurt = products.get("M-YOG-200")
    rows = []
    for subscription in sold:
        roll = rng.random()
        fields: dict[str, Any] = {
            "company": company,
            "subscription": subscription,
            "channel": rng.choice(list(ChangeChannel.values[:2])),
        }
        if roll < 0.06:
            day = first + timedelta(days=rng.randint(0, 10))
            rows.append(
                CalendarChange(
                    kind=ChangeKind.PAUSE,
                    day=day,
                    until=day + timedelta(days=rng.randint(2, 7)),
                    note="出差",
                    **fields,
                )
            )
        elif roll < 0.12 and yoghurt is not None:
            rows.append(
                CalendarChange(
                    kind=ChangeKind.SWAP,
                    day=first + timedelta(days=rng.randint(0, 6)),
                    product=yoghurt,
                    **fields,
                )
            )
        elif roll < 0.2:
            rows.append(
                CalendarChange(
                    kind=ChangeKind.SKIP, day=first + timedelta(days=rng.randint(0, 6)), **fields
                )
            )
        elif roll < 0.24:
            rows.append(
                CalendarChange(
                    kind=ChangeKind.QUANTITY,
                    day=first + timedelta(days=rng.randint(0, 6)),
                    quantity=2,
                    **fields,
                )
            )
    CalendarChange.objects.bulk_create(rows)


def _nearly_used(company: Company, sold: list[Subscription]) -> None:
    """A few cards down to their last bottle or none: the ending-soon list and reminders."""
    holders = Counter(s.customer_id for s in sold)
    cards = [
        s
        for s in sold
        if s.plan.term == TermKind.CARD and s.quantity == 1 and holders[s.customer_id] == 1
    ][:NEARLY_USED]
    for index, subscription in enumerate(cards):
        package = subscription.plan.ticket_package
        assert package is not None
        tickets_redeem(
            company=company,
            key=f"demo:subscription:{subscription.pk}:used",
            customer=subscription.customer,
            ticket_type=package.ticket_type,
            quantity=package.total_tickets - index % 2,
        )


def _seed_company(
    world: DemoWorld, company: Company, specs: tuple[PlanSpec, ...], count: int
) -> None:
    if Subscription.objects.filter(company=company).exists():
        return
    plans = [(plan, spec.weight) for spec in specs if (plan := _plan(company, spec)) is not None]
    if not plans or not Customer.objects.filter(company=company).exists():
        return
    with transaction.atomic():
        sold = _sell_all(world, company, plans, count)
        products = {p.sku: p for p in Product.objects.filter(company=company)}
        _calendars(world, company, sold, products)
        _nearly_used(company, sold)
    result = deliveries_generate(company=company, day=world.today + timedelta(days=1))
    world.log(
        f"subscriptions: {company.name} {len(sold)} subscriptions, "
        f"{result.created} orders for tomorrow, {len(result.short)} short of balance"
    )


def seed(world: DemoWorld) -> None:
    dairy = world.companies.get(DAIRY)
    if dairy is not None:
        _more_customers(world, dairy)
        _seed_company(world, dairy, DAIRY_PLANS, SUBSCRIPTIONS)
    water = world.companies.get(WATER)
    if water is not None:
        _seed_company(world, water, WATER_PLANS, 20)
