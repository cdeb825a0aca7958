from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.core.coords import bd09_to_wgs84, gcj02_to_wgs84, wgs84_to_gcj02
from apps.customers.geocoding import GeocodeResult
from apps.customers.models import Address, CoordinateSource, Customer, CustomerPhone, Precision
from apps.customers.selectors.customers import customer_search
from apps.customers.services.customers import (
    AddressData,
    DuplicatePhone,
    address_add,
    address_delete,
    address_set_default,
    address_update,
    customer_create,
    customer_update,
)
from apps.customers.services.geocoding import GeocodingUnavailable, address_geocode
from tests.conftest import Team
from tests.factories import DepotFactory


def _create(team: Team, name: str = "王芳", phones=("139 0671 5502",), **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("address", AddressData(street="文三路 88 号", community="翠苑一区", floor=5))
    return customer_create(company=team.company, name=name, phones=list(phones), **kwargs)


@pytest.mark.django_db
def test_a_customer_gets_a_company_code_and_normalised_phones(team: Team) -> None:
    first = _create(team)
    second = _create(team, name="李强", phones=["0571-8820 1234", "+86 138 0000 1111"])
    assert (first.code, second.code) == ("C00001", "C00002")
    assert list(second.phones.values_list("number", "is_primary")) == [
        ("057188201234", True),
        ("13800001111", False),
    ]
    assert first.addresses.get().is_default


@pytest.mark.django_db
def test_a_phone_of_another_customer_is_refused_and_names_him(team: Team) -> None:
    first = _create(team)
    with pytest.raises(DuplicatePhone) as error:
        _create(team, name="冒名", phones=["13906715502"])
    assert error.value.customer == first
    assert Customer.objects.filter(company=team.company).count() == 1


@pytest.mark.django_db
def test_the_same_phone_may_belong_to_customers_of_two_companies(
    team: Team, other_team: Team
) -> None:
    _create(team)
    _create(other_team)
    assert CustomerPhone.objects.filter(number="13906715502").count() == 2


@pytest.mark.django_db
def test_an_invalid_phone_changes_nothing(team: Team) -> None:
    with pytest.raises(ValidationError):
        _create(team, phones=["12345"])
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_updating_phones_replaces_them(team: Team) -> None:
    customer = _create(team)
    customer_update(customer=customer, phones=["13800002222", "13906715502"], name="王芳芳")
    customer.refresh_from_db()
    assert customer.name == "王芳芳"
    assert list(customer.phones.order_by("-is_primary").values_list("number", flat=True)) == [
        "13800002222",
        "13906715502",
    ]


@pytest.mark.django_db
def test_search_finds_by_the_last_digits_of_any_phone(team: Team) -> None:
    wang = _create(team)
    _create(team, name="赵磊", phones=["13811112222", "0571-8888 5502"])
    _create(team, name="孙涛", phones=["13700003333"])
    found = customer_search(company=team.company, query="5502")
    assert {c.name for c in found} == {"王芳", "赵磊"}
    assert customer_search(company=team.company, query="13906715502") == [wang]
    assert customer_search(company=team.company, query="1234") == []


@pytest.mark.django_db
def test_search_ranks_name_prefix_then_initials_then_fragments(team: Team) -> None:
    _create(team, name="张伟", phones=["13800000001"])
    _create(team, name="老张", phones=["13800000002"])
    _create(team, name="李四", phones=["13800000003"], address=AddressData(street="张家弄 3 号"))
    assert [c.name for c in customer_search(company=team.company, query="张")] == [
        "张伟",
        "老张",
        "李四",
    ]
    assert [c.name for c in customer_search(company=team.company, query="zw")] == ["张伟"]
    assert [c.name for c in customer_search(company=team.company, query="翠苑")] == ["张伟", "老张"]


@pytest.mark.django_db
def test_search_never_crosses_companies(team: Team, other_team: Team) -> None:
    _create(other_team, name="别家客户")
    assert customer_search(company=team.company, query="5502") == []
    assert customer_search(company=team.company, query="别家") == []


@pytest.mark.django_db
def test_search_finds_by_code_and_address_after_an_address_is_added(team: Team) -> None:
    customer = _create(team)
    address_add(
        customer=customer, data=AddressData(street="教工路 18 号", community="华星时代广场")
    )
    assert customer_search(company=team.company, query="华星") == [customer]
    assert customer_search(company=team.company, query="c00001") == [customer]


@pytest.mark.django_db
def test_one_default_address_per_customer(team: Team) -> None:
    customer = _create(team)
    home = customer.addresses.get()
    office = address_add(
        customer=customer, data=AddressData(street="学院路 1 号"), make_default=True
    )
    home.refresh_from_db()
    assert (office.is_default, home.is_default) == (True, False)
    address_set_default(address=home)
    assert list(customer.addresses.filter(is_default=True)) == [home]
    address_delete(address=home)
    office.refresh_from_db()
    assert office.is_default
    with pytest.raises(ValidationError):
        address_delete(address=office)


@pytest.mark.django_db
def test_coordinates_outside_china_are_refused(team: Team) -> None:
    customer = _create(team)
    with pytest.raises(ValidationError) as error:
        address_add(
            customer=customer,
            data=AddressData(
                street="Baker Street 221B", latitude=Decimal("51.52"), longitude=Decimal("-0.16")
            ),
        )
    assert "longitude" in error.value.message_dict
    assert customer.addresses.count() == 1


@pytest.mark.django_db
def test_without_a_pin_the_offline_geocoder_falls_back_to_the_community(team: Team) -> None:
    DepotFactory(company=team.company, name="文三路站")
    neighbour = _create(
        team,
        name="邻居",
        phones=["13800009999"],
        address=AddressData(
            street="文三路 90 号",
            community="翠苑一区",
            latitude=Decimal("30.2790"),
            longitude=Decimal("120.1390"),
        ),
    )
    assert neighbour.addresses.get().precision == Precision.EXACT
    customer = _create(team)  # same community, no pin: the job runs at once in tests
    address = customer.addresses.get()
    assert (address.latitude, address.longitude) == (Decimal("30.279000"), Decimal("120.139000"))
    assert (address.coordinate_source, address.precision) == (
        CoordinateSource.COMMUNITY,
        Precision.APPROXIMATE,
    )
    assert address.street == "文三路 88 号"


@pytest.mark.django_db
def test_without_neighbours_the_depot_is_the_approximate_location(team: Team) -> None:
    depot = DepotFactory(company=team.company)
    customer = _create(team, address=AddressData(street="新路 1 号", community="新小区"))
    address = customer.addresses.get()
    assert address.coordinate_source == CoordinateSource.DEPOT
    assert address.precision == Precision.APPROXIMATE
    assert address.depot is not None
    assert depot is not None


class FakeBaidu:
    def __init__(self, result: GeocodeResult | None = None, fail: bool = False) -> None:
        self.result, self.fail, self.calls = result, fail, 0

    def geocode(self, *, text: str, city: str) -> GeocodeResult | None:
        self.calls += 1
        if self.fail:
            from geopy.exc import GeocoderUnavailable

            raise GeocoderUnavailable("down")
        return self.result


@pytest.mark.django_db
def test_a_geocoder_answer_replaces_an_approximate_location(team: Team) -> None:
    customer = _create(team)
    address = customer.addresses.get()
    geocoder = FakeBaidu(GeocodeResult(latitude=30.2771234, longitude=120.1335678, exact=True))
    address_geocode(address_id=address.pk, geocoder=geocoder)
    address.refresh_from_db()
    assert (address.latitude, address.longitude) == (Decimal("30.277123"), Decimal("120.133568"))
    assert (address.coordinate_source, address.precision) == (
        CoordinateSource.GEOCODER,
        Precision.EXACT,
    )


@pytest.mark.django_db
def test_a_failing_geocoder_keeps_the_address_and_asks_for_a_retry(team: Team) -> None:
    DepotFactory(company=team.company)
    customer = _create(team, address=AddressData(street="无名路 1 号", latitude=None))
    address = customer.addresses.get()
    Address.objects.filter(pk=address.pk).update(
        latitude=None, longitude=None, precision=Precision.UNKNOWN, coordinate_source=""
    )
    with pytest.raises(GeocodingUnavailable):
        address_geocode(address_id=address.pk, geocoder=FakeBaidu(fail=True))
    address.refresh_from_db()
    assert address.street == "无名路 1 号"


@pytest.mark.django_db
def test_a_pin_dropped_by_hand_is_never_overwritten(team: Team) -> None:
    customer = _create(
        team,
        address=AddressData(
            street="文三路 1 号", latitude=Decimal("30.28"), longitude=Decimal("120.13")
        ),
    )
    address = customer.addresses.get()
    geocoder = FakeBaidu(GeocodeResult(latitude=31.0, longitude=121.0, exact=True))
    address_geocode(address_id=address.pk, geocoder=geocoder)
    address.refresh_from_db()
    assert (address.latitude, geocoder.calls) == (Decimal("30.280000"), 0)
    moved = address_update(
        address=address,
        data=AddressData(
            street="文三路 1 号", latitude=Decimal("30.2811"), longitude=Decimal("120.1322")
        ),
    )
    assert (moved.latitude, moved.coordinate_source) == (Decimal("30.281100"), CoordinateSource.PIN)


def test_chinese_map_coordinates_convert_to_wgs84() -> None:
    wgs = (30.2773, 120.1339)
    gcj = wgs84_to_gcj02(*wgs)
    assert gcj != wgs
    back = gcj02_to_wgs84(*gcj)
    assert abs(back[0] - wgs[0]) < 1e-6 and abs(back[1] - wgs[1]) < 1e-6
    # Baidu's published sample: Tiananmen in BD-09 is about (39.915, 116.404) in WGS-84 + ~1 km shift.
    lat, lng = bd09_to_wgs84(39.9150, 116.4040)
    assert 39.905 < lat < 39.912 and 116.389 < lng < 116.398
