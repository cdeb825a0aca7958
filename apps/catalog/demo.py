"""A believable catalogue: bucket water of several brands, LPG cylinders, fresh milk."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from apps.catalog.models import (
    Category,
    ContainerType,
    CustomerGroup,
    PriceList,
    PriceListItem,
    Product,
    Surcharge,
    SurchargeKind,
    TicketKind,
    TicketPackage,
    TicketType,
)
from apps.core.demo import DemoWorld
from apps.org.demo import DAIRY, WATER
from apps.org.models import Company, Skill

CONTAINERS = {
    WATER: [("18.9L 水桶", 3000), ("15kg 钢瓶", 15000), ("5kg 钢瓶", 8000)],
    DAIRY: [("玻璃奶瓶", 200)],
}

# sku, name, brand, unit, category, price in fen, load units, container, skill
PRODUCTS = {
    WATER: [
        (
            "W-NFSQ-189",
            "18.9L 桶装饮用天然水",
            "农夫山泉",
            "桶",
            Category.WATER,
            2200,
            "1",
            "18.9L 水桶",
            "",
        ),
        ("W-YB-189", "18.9L 桶装纯净水", "怡宝", "桶", Category.WATER, 2000, "1", "18.9L 水桶", ""),
        (
            "W-WHH-189",
            "18.9L 桶装纯净水",
            "娃哈哈",
            "桶",
            Category.WATER,
            1800,
            "1",
            "18.9L 水桶",
            "",
        ),
        ("W-JT-189", "18.9L 桶装纯净水", "景田", "桶", Category.WATER, 2200, "1", "18.9L 水桶", ""),
        ("W-QQ-189", "18.9L 桶装山泉水", "清泉", "桶", Category.WATER, 1200, "1", "18.9L 水桶", ""),
        (
            "W-NFSQ-550",
            "550ml 饮用天然水（24 瓶）",
            "农夫山泉",
            "箱",
            Category.WATER,
            3600,
            "1",
            None,
            "",
        ),
        (
            "G-LPG-15",
            "15kg 液化石油气",
            "中石化",
            "瓶",
            Category.GAS,
            12500,
            "2",
            "15kg 钢瓶",
            Skill.GAS_CERTIFIED,
        ),
        (
            "G-LPG-5",
            "5kg 液化石油气",
            "中石化",
            "瓶",
            Category.GAS,
            4800,
            "1",
            "5kg 钢瓶",
            Skill.GAS_CERTIFIED,
        ),
        ("O-PUMP", "手压式取水器", "清泉", "个", Category.OTHER, 1500, "0.1", None, ""),
        ("O-DISP", "立式温热饮水机", "美的", "台", Category.OTHER, 39900, "3", None, ""),
    ],
    DAIRY: [
        (
            "M-FRESH-250",
            "250ml 鲜牛奶",
            "晨光",
            "瓶",
            Category.MILK,
            450,
            "0.05",
            "玻璃奶瓶",
            Skill.COLD_CHAIN,
        ),
        (
            "M-LOWFAT-250",
            "250ml 低脂鲜牛奶",
            "晨光",
            "瓶",
            Category.MILK,
            500,
            "0.05",
            "玻璃奶瓶",
            Skill.COLD_CHAIN,
        ),
        (
            "M-YOG-200",
            "200g 原味酸奶",
            "晨光",
            "瓶",
            Category.MILK,
            550,
            "0.05",
            "玻璃奶瓶",
            Skill.COLD_CHAIN,
        ),
        (
            "M-FRESH-950",
            "950ml 巴氏鲜牛奶",
            "晨光",
            "盒",
            Category.MILK,
            1600,
            "0.15",
            None,
            Skill.COLD_CHAIN,
        ),
        ("P-EGG-30", "30 枚土鸡蛋", "晨光农场", "盒", Category.PRODUCE, 4500, "0.3", None, ""),
    ],
}

# name, kind, skus valid, packages [(name, paid, bonus, price fen)]
TICKETS = {
    WATER: [
        (
            "农夫山泉水票",
            TicketKind.WATER,
            ["W-NFSQ-189"],
            [("农夫山泉 20 送 2", 20, 2, 44000), ("农夫山泉 50 送 8", 50, 8, 110000)],
        ),
        (
            "通用水票",
            TicketKind.WATER,
            ["W-WHH-189", "W-QQ-189"],
            [("通用水票 20 送 2", 20, 2, 36000)],
        ),
        ("15kg 气票", TicketKind.GAS, ["G-LPG-15"], [("气票 5 张", 5, 0, 60000)]),
    ],
    DAIRY: [
        (
            "鲜奶卡",
            TicketKind.MILK,
            ["M-FRESH-250", "M-LOWFAT-250"],
            [("30 次鲜奶卡", 30, 0, 12000), ("90 次鲜奶卡", 90, 6, 34000)],
        ),
        ("酸奶卡", TicketKind.MILK, ["M-YOG-200"], [("30 次酸奶卡", 30, 0, 15000)]),
    ],
}

GROUPS = {
    WATER: [
        ("写字楼客户", "月结企业客户", {"W-NFSQ-189": 2000, "W-YB-189": 1800}),
        ("学校", "学校与幼儿园", {"W-WHH-189": 1600}),
    ],
    DAIRY: [("企业福利", "员工福利团购", {"M-FRESH-250": 400})],
}

SURCHARGES = {
    WATER: [
        ("无电梯上楼费（水）", SurchargeKind.CARRY_UP, 100, 2, [Category.WATER]),
        ("无电梯上楼费（气）", SurchargeKind.CARRY_UP, 200, 1, [Category.GAS]),
        ("远郊配送费", SurchargeKind.REMOTE_AREA, 500, 1, []),
    ],
    DAIRY: [],
}


def _containers(company: Company, name: str) -> dict[str, ContainerType]:
    return {
        title: ContainerType.objects.update_or_create(
            company=company, name=title, defaults={"deposit_fen": deposit}
        )[0]
        for title, deposit in CONTAINERS[name]
    }


def _products(
    company: Company, name: str, containers: dict[str, ContainerType]
) -> dict[str, Product]:
    products = {}
    for sku, title, brand, unit, category, price, load, container, skill in PRODUCTS[name]:
        products[sku] = Product.objects.update_or_create(
            company=company,
            sku=sku,
            defaults={
                "name": title,
                "brand": brand,
                "unit": unit,
                "category": category,
                "price_fen": price,
                "load_units": Decimal(load),
                "container_type": containers.get(container) if container else None,
                "required_skill": skill,
            },
        )[0]
    return products


def _tickets(company: Company, name: str, products: dict[str, Product]) -> None:
    for title, kind, skus, packages in TICKETS[name]:
        ticket_type = TicketType.objects.update_or_create(
            company=company, name=title, defaults={"kind": kind}
        )[0]
        ticket_type.products.set([products[sku] for sku in skus])
        for package, paid, bonus, price in packages:
            TicketPackage.objects.update_or_create(
                company=company,
                ticket_type=ticket_type,
                name=package,
                defaults={"paid_tickets": paid, "bonus_tickets": bonus, "price_fen": price},
            )


def _groups(company: Company, name: str, products: dict[str, Product], today: date) -> None:
    for title, description, prices in GROUPS[name]:
        group = CustomerGroup.objects.update_or_create(
            company=company, name=title, defaults={"description": description}
        )[0]
        price_list = PriceList.objects.update_or_create(
            company=company,
            name=f"{title}价目表",
            defaults={"customer_group": group, "valid_from": today.replace(month=1, day=1)},
        )[0]
        for sku, price in prices.items():
            PriceListItem.objects.update_or_create(
                company=company,
                price_list=price_list,
                product=products[sku],
                defaults={"price_fen": price},
            )


def _surcharges(company: Company, name: str) -> None:
    for title, kind, amount, free_floors, categories in SURCHARGES[name]:
        Surcharge.objects.update_or_create(
            company=company,
            name=title,
            defaults={
                "kind": kind,
                "amount_fen": amount,
                "free_floors": free_floors,
                "categories": [str(c) for c in categories],
            },
        )


def seed(world: DemoWorld) -> None:
    for name in (WATER, DAIRY):
        company = world.companies[name]
        containers = _containers(company, name)
        products = _products(company, name, containers)
        _tickets(company, name, products)
        _groups(company, name, products, world.today)
        _surcharges(company, name)
        world.extra.setdefault("products", {})[name] = products
    world.log("catalog: products, containers, tickets, price lists and surcharges")
