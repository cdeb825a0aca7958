"""About three hundred households, offices and shops around the demo depots."""

from __future__ import annotations

import importlib
import random
from decimal import Decimal
from typing import Any

from apps.core.demo import DemoWorld
from apps.customers.models import (
    BillingMode,
    Channel,
    CoordinateSource,
    CustomerPhone,
    CustomerType,
    Tag,
)
from apps.customers.services.customers import AddressData, customer_create
from apps.org.demo import DAIRY, WATER
from apps.org.models import Company, Depot

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华文辉玉兰红梅晓东海燕志强淑珍建国丽华国庆晓红春梅慧敏子涵浩然欣怡宇轩梓萱"
STREETS = {
    "文三路站": ["文三路", "文二路", "学院路", "教工路", "万塘路", "保俶北路", "文一路"],
    "古荡站": ["古墩路", "天目山路", "益乐路", "紫荆花路", "丰潭路", "文一西路", "竞舟路"],
    "湖墅站": ["湖墅南路", "莫干山路", "大关路", "上塘路", "湖州街"],
    "滨江站": ["江南大道", "滨盛路", "长河路", "江汉路", "西兴路"],
}
COMMUNITIES = {
    "文三路站": ["翠苑一区", "翠苑二区", "文教小区", "嘉绿苑", "学院新村", "华星时代广场"],
    "古荡站": ["古荡新村", "塘苗小区", "益乐新村", "德加公寓", "西溪花园", "文鼎苑"],
    "湖墅站": ["大关苑", "德胜新村", "湖墅嘉园", "信义坊"],
    "滨江站": ["东方郡", "星耀城", "江南春城", "钱塘春晓"],
}
DISTRICTS = {"文三路站": "西湖区", "古荡站": "西湖区", "湖墅站": "拱墅区", "滨江站": "滨江区"}
TAGS = [
    ("高层无电梯", True),
    ("VIP", False),
    ("老人独居", True),
    ("写字楼", False),
    ("先打电话", True),
    ("放门口", True),
]
NOTES = [
    "放门口保温箱",
    "到了先打电话",
    "白天家里没人，放物业",
    "敲门声音大一点，老人耳背",
    "送到前台",
    "",
]

# The dispatcher's favourite example: a caller who gives the last four digits 5502.
SIGNATURE_CUSTOMER = ("王芳", "13906715502", "文三路 88 号", "翠苑一区", "3", "2", "502", 5)


def _tags(company: Company) -> dict[str, Tag]:
    return {
        name: Tag.objects.get_or_create(
            company=company, name=name, defaults={"highlight": highlight}
        )[0]
        for name, highlight in TAGS
    }


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"


def _address(rng: random.Random, depot: Depot) -> AddressData:
    floor = rng.choice([1, 2, 3, 4, 5, 6, 6, 7, 11, 18, 24])
    return AddressData(
        district=DISTRICTS[depot.name],
        street=f"{rng.choice(STREETS[depot.name])} {rng.randint(1, 399)} 号",
        community=rng.choice(COMMUNITIES[depot.name]),
        building=str(rng.randint(1, 30)),
        unit=str(rng.randint(1, 4)),
        room=f"{floor}{rng.randint(1, 4):02d}",
        floor=floor,
        has_elevator=floor > 7 or rng.random() < 0.3,
        delivery_notes=rng.choice(NOTES),
        latitude=(depot.latitude + Decimal(str(round(rng.uniform(-0.018, 0.018), 6)))),
        longitude=(depot.longitude + Decimal(str(round(rng.uniform(-0.02, 0.02), 6)))),
        coordinate_source=CoordinateSource.IMPORT,
        depot_id=depot.pk,
    )


def _profile(rng: random.Random, tags: dict[str, Tag], address: AddressData) -> dict[str, Any]:
    office = address.community.endswith("广场") or rng.random() < 0.08
    chosen = [tags["写字楼"]] if office else []
    if not address.has_elevator and address.floor >= 5:
        chosen.append(tags["高层无电梯"])
    for name in ("VIP", "老人独居", "先打电话", "放门口"):
        if rng.random() < 0.08:
            chosen.append(tags[name])
    return {
        "customer_type": CustomerType.OFFICE
        if office
        else rng.choice([CustomerType.HOUSEHOLD] * 8 + [CustomerType.SHOP]),
        "billing_mode": BillingMode.MONTHLY_CREDIT
        if office
        else rng.choice([BillingMode.PAY_ON_DELIVERY] * 5 + [BillingMode.PREPAID] * 2),
        "credit_limit_fen": 200000 if office else 0,
        "source": rng.choice(
            [Channel.PHONE] * 4 + [Channel.WECHAT, Channel.MINI_PROGRAM, Channel.MEITUAN]
        ),
        "tags": chosen,
    }


def seed_company_customers(world: DemoWorld, company: Company, count: int) -> int:
    rng = random.Random(f"customers-{company.name}")
    tags = _tags(company)
    depots = list(Depot.objects.filter(company=company).order_by("name"))
    created = 0
    people = [SIGNATURE_CUSTOMER] if company.name == WATER else []
    for index in range(count):
        phone = _phone(rng)
        depot = depots[index % len(depots)]
        address = _address(rng, depot)
        name = (
            rng.choice(SURNAMES)
            + rng.choice(GIVEN)
            + (rng.choice(GIVEN) if rng.random() < 0.4 else "")
        )
        if index < len(people):
            depot = next(d for d in depots if d.name == "文三路站")
            address = _address(rng, depot)
            name, phone, street, community, building, unit, room, floor = people[index]
            address = AddressData(
                **{
                    **address.__dict__,
                    "street": street,
                    "community": community,
                    "building": building,
                    "unit": unit,
                    "room": room,
                    "floor": floor,
                    "has_elevator": False,
                }
            )
        profile = _profile(rng, tags, address)
        if CustomerPhone.objects.filter(company=company, number=phone).exists():
            continue
        customer_create(company=company, name=name, phones=[phone], address=address, **profile)
        created += 1
    return created


def seed(world: DemoWorld) -> None:
    made = seed_company_customers(world, world.companies[WATER], 300)
    made += seed_company_customers(world, world.companies[DAIRY], 150)
    world.log(f"customers: {made} new customers")
    try:
        tickets = importlib.import_module("apps.customers.demo_tickets")
    except ModuleNotFoundError:
        return
    tickets.seed(world)
