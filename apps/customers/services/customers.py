"""Writes on customers, phones and addresses: one function per business action."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from apps.core.phones import normalize_phone
from apps.customers.models import Address, CoordinateSource, Customer, CustomerPhone, Precision
from apps.org.models import Company

CODE_PREFIX = "C"


@dataclass(frozen=True)
class AddressData:
    street: str
    province: str = "浙江省"
    city: str = "杭州市"
    district: str = ""
    community: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""
    floor: int = 1
    has_elevator: bool = False
    delivery_notes: str = ""
    label: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    coordinate_source: str = ""
    depot_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class DuplicatePhone(ValidationError):
    """The phone belongs to another customer of the company; ``customer`` says whom."""

    def __init__(self, number: str, customer: Customer) -> None:
        super().__init__(
            _("%(phone)s already belongs to %(customer)s.")
            % {"phone": number, "customer": customer},
            code="duplicate_phone",
        )
        self.customer = customer


def _next_code(company: Company) -> str:
    # The company row is the lock that serialises code allocation.
    Company.objects.select_for_update().get(pk=company.pk)
    # Generated codes are fixed-width, so the highest sorts last.
    last = (
        Customer.objects.filter(company=company, code__regex=rf"^{CODE_PREFIX}[0-9]{{5,}}$")
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    return f"{CODE_PREFIX}{int(last[1:]) + 1 if last else 1:05d}"


def _initials(name: str) -> str:
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()


def customer_refresh_search(*, customer: Customer) -> None:
    """Rebuild the denormalised search line from the customer's current rows."""
    pinyin = "".join(lazy_pinyin(customer.name)).lower()
    phones = [p.number for p in customer.phones.all()]
    places = [
        f"{a.district}{a.street} {a.community} {a.building}-{a.unit}-{a.room}"
        for a in customer.addresses.all()
    ]
    customer.name_initials = _initials(customer.name)
    customer.search_text = " ".join(
        [customer.name, pinyin, customer.name_initials, customer.code, *phones, *places]
    ).lower()
    Customer.objects.filter(pk=customer.pk).update(
        name_initials=customer.name_initials, search_text=customer.search_text
    )


def _check_phones_free(company: Company, numbers: Sequence[str], customer: Customer | None) -> None:
    taken = CustomerPhone.objects.filter(company=company, number__in=numbers).select_related(
        "customer"
    )
    for phone in taken:
        if customer is None or phone.customer_id != customer.pk:
            raise DuplicatePhone(phone.number, phone.customer)


def normalized_phones(raw_numbers: Iterable[str]) -> list[str]:
    numbers: list[str] = []
    for raw in raw_numbers:
        if raw and raw.strip():
            number = normalize_phone(raw)
            if number not in numbers:
                numbers.append(number)
    if not numbers:
        raise ValidationError(_("A customer needs at least one phone number."), code="no_phone")
    return numbers


@transaction.atomic
def customer_create(
    *,
    company: Company,
    name: str,
    phones: Sequence[str],
    address: AddressData | None = None,
    tags: Iterable[Any] = (),
    preferred_products: Iterable[Any] = (),
    **profile: Any,
) -> Customer:
    numbers = normalized_phones(phones)
    _check_phones_free(company, numbers, None)
    customer = Customer(
        company=company,
        name=name.strip(),
        code=profile.pop("code", "") or _next_code(company),
        **profile,
    )
    customer.full_clean(exclude=["search_text", "name_initials"])
    customer.save()
    customer.tags.set(tags)
    customer.preferred_products.set(preferred_products)
    _replace_phones(customer, numbers)
    if address is not None:
        address_add(customer=customer, data=address, make_default=True, refresh=False)
    customer_refresh_search(customer=customer)
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    phones: Sequence[str] | None = None,
    tags: Iterable[Any] | None = None,
    preferred_products: Iterable[Any] | None = None,
    **profile: Any,
) -> Customer:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    for name, value in profile.items():
        setattr(customer, name, value)
    customer.full_clean(exclude=["search_text", "name_initials"])
    customer.save()
    if tags is not None:
        customer.tags.set(tags)
    if preferred_products is not None:
        customer.preferred_products.set(preferred_products)
    if phones is not None:
        numbers = normalized_phones(phones)
        _check_phones_free(customer.company, numbers, customer)
        _replace_phones(customer, numbers)
    customer_refresh_search(customer=customer)
    return customer


def _replace_phones(customer: Customer, numbers: Sequence[str]) -> None:
    customer.phones.exclude(number__in=numbers).delete()
    existing = set(customer.phones.values_list("number", flat=True))
    for number in numbers:
        if number not in existing:
            CustomerPhone(company=customer.company, customer=customer, number=number).save()
    customer.phones.update(is_primary=False)
    customer.phones.filter(number=numbers[0]).update(is_primary=True)


# The typed parts of an address, in the order people fill them in.
ADDRESS_PARTS = (
    "province",
    "city",
    "district",
    "street",
    "community",
    "building",
    "unit",
    "room",
    "floor",
    "has_elevator",
    "delivery_notes",
)


def _address_fields(data: AddressData) -> dict[str, Any]:
    fields = {name: getattr(data, name) for name in ("label", *ADDRESS_PARTS, "depot_id")}
    if data.latitude is not None and data.longitude is not None:
        fields |= {
            "latitude": data.latitude,
            "longitude": data.longitude,
            "coordinate_source": data.coordinate_source or CoordinateSource.PIN,
            "precision": Precision.EXACT,
        }
    return fields


def _save_address(address: Address, *, make_default: bool) -> Address:
    if not address.street.strip():
        raise ValidationError({"street": _("Enter the street and number.")})
    if make_default:
        Address.objects.filter(customer_id=address.customer_id, is_default=True).exclude(
            pk=address.pk
        ).update(is_default=False)
        address.is_default = True
    elif (
        not Address.objects.filter(customer_id=address.customer_id).exclude(pk=address.pk).exists()
    ):
        address.is_default = True
    address.full_clean()
    address.save()
    if not address.has_coordinates:
        _enqueue_geocoding(address)
    return address


def _enqueue_geocoding(address: Address) -> None:
    from apps.customers.tasks import geocode_address_later

    geocode_address_later(address_id=address.pk)


@transaction.atomic
def address_add(
    *, customer: Customer, data: AddressData, make_default: bool = False, refresh: bool = True
) -> Address:
    address = Address(company=customer.company, customer=customer, **_address_fields(data))
    address = _save_address(address, make_default=make_default)
    if refresh:
        customer_refresh_search(customer=customer)
    return address


@transaction.atomic
def address_update(*, address: Address, data: AddressData, make_default: bool = False) -> Address:
    address = Address.objects.select_for_update().get(pk=address.pk)
    moved = (data.latitude, data.longitude) != (address.latitude, address.longitude)
    for name, value in _address_fields(data).items():
        setattr(address, name, value)
    if data.latitude is None:
        address.latitude = address.longitude = None
        address.coordinate_source, address.precision = "", Precision.UNKNOWN
    elif moved:
        address.coordinate_source, address.precision = (
            data.coordinate_source or CoordinateSource.PIN,
            Precision.EXACT,
        )
    address = _save_address(address, make_default=make_default or address.is_default)
    customer_refresh_search(customer=address.customer)
    return address


@transaction.atomic
def address_set_default(*, address: Address) -> Address:
    Address.objects.filter(customer_id=address.customer_id).update(is_default=False)
    Address.objects.filter(pk=address.pk).update(is_default=True)
    address.is_default = True
    return address


@transaction.atomic
def address_delete(*, address: Address) -> None:
    customer = address.customer
    if customer.addresses.count() == 1:
        raise ValidationError(_("A customer keeps at least one address."))
    was_default = address.is_default
    address.delete()
    if was_default:
        first = customer.addresses.order_by("id").first()
        if first is not None:
            address_set_default(address=first)
    customer_refresh_search(customer=customer)


@transaction.atomic
def address_locate(
    *, address: Address, latitude: Decimal, longitude: Decimal, source: str, precision: str
) -> Address:
    """Store coordinates found for an address; a pin dropped by hand is never overwritten."""
    address = Address.objects.select_for_update().get(pk=address.pk)
    if address.coordinate_source == CoordinateSource.PIN and source != CoordinateSource.PIN:
        return address
    address.latitude = Decimal(latitude).quantize(Decimal("0.000001"))
    address.longitude = Decimal(longitude).quantize(Decimal("0.000001"))
    address.coordinate_source = source
    address.precision = precision
    address.full_clean()
    address.save(
        update_fields=["latitude", "longitude", "coordinate_source", "precision", "updated_at"]
    )
    return address
