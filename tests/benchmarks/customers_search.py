"""Phone-first customer search over 100,000 customers (target: p95 < 50 ms on PostgreSQL).

Builds a throw-away test database, fills it with bulk inserts, then times the
same selector the search box calls, for each kind of query a dispatcher types.
"""

from __future__ import annotations

import os
import random
import time

from _common import bench_database, figure, percentile, setup_django

BENCH = "customers_search"
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "100000"))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂建华文辉玉兰红梅晓东海燕志国庆春慧子涵浩然欣怡宇轩"
STREETS = [
    "文三路",
    "文二路",
    "学院路",
    "教工路",
    "古墩路",
    "天目山路",
    "益乐路",
    "紫荆花路",
    "丰潭路",
    "莫干山路",
]
COMMUNITIES = [
    "翠苑一区",
    "翠苑二区",
    "文教小区",
    "嘉绿苑",
    "古荡新村",
    "塘苗小区",
    "益乐新村",
    "西溪花园",
    "德加公寓",
    "大关苑",
]


def build(company, rng: random.Random) -> list[str]:  # type: ignore[no-untyped-def]
    from pypinyin import Style, lazy_pinyin

    from apps.customers.models import Address, Customer, CustomerPhone

    customers, phones, addresses, numbers = [], [], [], []
    for index in range(CUSTOMERS):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if index % 3 else "")
        number = f"1{rng.choice('3578')}{index:09d}"[:11]
        street = f"{rng.choice(STREETS)} {rng.randint(1, 400)} 号"
        community = rng.choice(COMMUNITIES)
        initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()
        code = f"C{index + 1:06d}"
        text = f"{name} {''.join(lazy_pinyin(name))} {initials} {code} {number} {street} {community}".lower()
        customers.append(
            Customer(
                company=company, code=code, name=name, name_initials=initials, search_text=text
            )
        )
        numbers.append(number)
        addresses.append((street, community))
    Customer.objects.bulk_create(customers, batch_size=5000)
    for customer, number in zip(customers, numbers, strict=True):
        phones.append(
            CustomerPhone(
                company=company,
                customer=customer,
                number=number,
                number_reversed=number[::-1],
                is_primary=True,
            )
        )
    CustomerPhone.objects.bulk_create(phones, batch_size=5000)
    Address.objects.bulk_create(
        [
            Address(company=company, customer=c, street=s, community=m, is_default=True)
            for c, (s, m) in zip(customers, addresses, strict=True)
        ],
        batch_size=5000,
    )
    return numbers


def queries(rng: random.Random, numbers: list[str]) -> dict[str, list[str]]:
    return {
        "last4": [rng.choice(numbers)[-4:] for _ in range(100)],
        "full_phone": [rng.choice(numbers) for _ in range(100)],
        "name": [rng.choice(SURNAMES) + rng.choice(GIVEN) for _ in range(100)],
        "initials": [rng.choice("wlzcyhgs") + rng.choice("fjmqxh") for _ in range(100)],
        "address": [rng.choice(COMMUNITIES)[:3] for _ in range(100)],
    }


def main() -> None:
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        print(
            f"# {BENCH}: the target is for PostgreSQL; running on {connection.vendor} (set DATABASE_URL)"
        )
    with bench_database(BENCH):
        from apps.customers.selectors.customers import customer_search
        from apps.org.models import Company

        rng = random.Random(7)
        company = Company.objects.create(name="基准水站")
        started = time.perf_counter()
        numbers = build(company, rng)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        figure(BENCH, "build_s", time.perf_counter() - started, "s")
        everything: list[float] = []
        for kind, texts in queries(rng, numbers).items():
            samples = []
            for text in texts:
                start = time.perf_counter()
                customer_search(company=company, query=text)
                samples.append((time.perf_counter() - start) * 1000)
            everything += samples
            figure(BENCH, f"{kind}_p95_ms", percentile(samples, 95), "ms")
        figure(BENCH, "all_p50_ms", percentile(everything, 50), "ms")
        figure(BENCH, "all_p95_ms", percentile(everything, 95), "ms")


if __name__ == "__main__":
    main()
