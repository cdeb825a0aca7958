"""Demo companies, depots and staff (Hangzhou, 西湖区 and 拱墅区)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.contrib.auth.hashers import make_password

from apps.core.demo import DEMO_PASSWORD, DemoWorld
from apps.org.models import Company, Depot, Role, Skill, StaffMember, User

WATER = "清泉水站"
DAIRY = "晨光鲜奶"


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    mobile: str
    role: str
    depot: str | None = None
    skills: tuple[str, ...] = ()
    printed: bool = False


@dataclass(frozen=True)
class CompanySpec:
    phone: str
    address: str
    depots: tuple[tuple[str, str, str, str, str], ...]
    people: tuple[Person, ...]


COMPANIES = {
    WATER: CompanySpec(
        phone="0571-88201234",
        address="浙江省杭州市西湖区文三路 259 号",
        depots=(
            ("文三路站", "杭州市西湖区文三路 259 号", "30.277310", "120.133950", "0571-88201234"),
            ("古荡站", "杭州市西湖区古墩路 80 号", "30.284560", "120.110870", "0571-88205678"),
        ),
        people=(
            Person("owner", "王建国", "13805710001", Role.OWNER, printed=True),
            Person("dispatcher", "李晓燕", "13805710002", Role.DISPATCHER, printed=True),
            Person("accountant", "陈静", "13805710003", Role.ACCOUNTANT, printed=True),
            Person(
                "courier",
                "张伟",
                "13805710011",
                Role.COURIER,
                "文三路站",
                (Skill.GAS_CERTIFIED, Skill.STAIRS),
                printed=True,
            ),
            Person("courier2", "刘强", "13805710012", Role.COURIER, "文三路站", (Skill.STAIRS,)),
            Person(
                "courier3", "赵磊", "13805710013", Role.COURIER, "文三路站", (Skill.GAS_CERTIFIED,)
            ),
            Person(
                "courier4", "孙涛", "13805710014", Role.COURIER, "文三路站", (Skill.HEAVY_LOAD,)
            ),
            Person(
                "courier5",
                "周军",
                "13805710015",
                Role.COURIER,
                "古荡站",
                (Skill.GAS_CERTIFIED, Skill.STAIRS),
            ),
            Person("courier6", "吴斌", "13805710016", Role.COURIER, "古荡站", (Skill.STAIRS,)),
            Person("courier7", "郑海", "13805710017", Role.COURIER, "古荡站"),
            Person(
                "courier8", "黄勇", "13805710018", Role.COURIER, "古荡站", (Skill.GAS_CERTIFIED,)
            ),
        ),
    ),
    DAIRY: CompanySpec(
        phone="0571-85106688",
        address="浙江省杭州市拱墅区湖墅南路 186 号",
        depots=(
            ("湖墅站", "杭州市拱墅区湖墅南路 186 号", "30.286830", "120.152320", "0571-85106688"),
            ("滨江站", "杭州市滨江区江南大道 588 号", "30.207500", "120.210630", "0571-86601234"),
        ),
        people=(
            Person("dairy", "林晨", "13805720001", Role.OWNER, printed=True),
            Person("dairy_dispatcher", "何丽", "13805720002", Role.DISPATCHER),
            Person("dairy_accountant", "许敏", "13805720003", Role.ACCOUNTANT),
            Person("milk1", "马超", "13805720011", Role.COURIER, "湖墅站", (Skill.COLD_CHAIN,)),
            Person("milk2", "杨帆", "13805720012", Role.COURIER, "湖墅站", (Skill.COLD_CHAIN,)),
            Person("milk3", "朱峰", "13805720013", Role.COURIER, "滨江站", (Skill.COLD_CHAIN,)),
        ),
    ),
}


def _company(name: str, spec: CompanySpec) -> Company:
    company, _ = Company.objects.update_or_create(
        name=name, defaults={"phone": spec.phone, "address": spec.address}
    )
    for depot_name, address, lat, lng, phone in spec.depots:
        Depot.objects.update_or_create(
            company=company,
            name=depot_name,
            defaults={
                "address": address,
                "latitude": Decimal(lat),
                "longitude": Decimal(lng),
                "phone": phone,
                "opens_at": "06:00" if name == DAIRY else "07:30",
                "closes_at": "19:00",
            },
        )
    return company


@cache
def _demo_password_hash() -> str:
    # Hashing is slow on purpose; every demo account shares one hash of the demo password.
    return make_password(DEMO_PASSWORD)


def _person(company: Company, person: Person) -> StaffMember:
    user, _created = User.objects.get_or_create(
        username=person.username,
        defaults={
            "first_name": person.name,
            "mobile": person.mobile,
            "password": _demo_password_hash(),
        },
    )
    depot = Depot.objects.get(company=company, name=person.depot) if person.depot else None
    staff, _ = StaffMember.objects.update_or_create(
        company=company,
        user=user,
        defaults={"role": person.role, "home_depot": depot, "skills": sorted(person.skills)},
    )
    return staff


def seed(world: DemoWorld) -> None:
    for name, spec in COMPANIES.items():
        company = _company(name, spec)
        world.companies[name] = company
        for person in spec.people:
            _person(company, person)
    world.log(f"org: {len(COMPANIES)} companies with depots and staff")


def demo_logins() -> list[tuple[str, str, str]]:
    """The printed demo logins that exist in this database: (username, role, company)."""
    printed = {
        person.username: (str(Role(person.role).label), name)
        for name, spec in COMPANIES.items()
        for person in spec.people
        if person.printed
    }
    existing = User.objects.filter(username__in=printed).values_list("username", flat=True)
    return [(username, *printed[username]) for username in printed if username in set(existing)]
