from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.org import services
from apps.org.models import Depot, Role, StaffMember, User
from tests.conftest import Team
from tests.factories import DepotFactory


@pytest.mark.django_db
def test_the_owner_adds_a_courier_with_a_new_account(team: Team, owner_client) -> None:  # type: ignore[no-untyped-def]
    depot = DepotFactory(company=team.company)
    response = owner_client.post(
        reverse("org:staff_add"),
        {
            "full_name": "钱师傅",
            "mobile": "+86 138-0571-9999",
            "role": Role.COURIER,
            "home_depot": depot.pk,
            "skills": ["gas_certified", "stairs"],
            "password": "送水送气-2026",
        },
    )
    assert response.status_code == 302
    staff = StaffMember.objects.get(company=team.company, user__mobile="13805719999")
    assert staff.role == Role.COURIER
    assert staff.home_depot == depot
    assert staff.skills == ["gas_certified", "stairs"]
    assert staff.user.username == "13805719999"
    assert staff.user.check_password("送水送气-2026")


@pytest.mark.django_db
def test_an_existing_account_joins_a_second_company(
    team: Team, other_team: Team, owner_client
) -> None:  # type: ignore[no-untyped-def]
    person = other_team.users[Role.DISPATCHER]
    response = owner_client.post(
        reverse("org:staff_add"),
        {"full_name": "whatever", "mobile": person.mobile, "role": Role.ACCOUNTANT},
    )
    assert response.status_code == 302
    assert set(person.memberships.values_list("company_id", flat=True)) == {
        team.company.pk,
        other_team.company.pk,
    }
    assert User.objects.filter(mobile=person.mobile).count() == 1


@pytest.mark.django_db
def test_bad_staff_input_is_explained_and_changes_nothing(team: Team, owner_client) -> None:  # type: ignore[no-untyped-def]
    before = StaffMember.objects.count()
    response = owner_client.post(
        reverse("org:staff_add"),
        {"full_name": "", "mobile": "12345", "role": Role.COURIER, "password": ""},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "不是有效的中国手机号" in body
    assert "该字段是必填项" in body
    assert StaffMember.objects.count() == before


@pytest.mark.django_db
def test_the_same_person_cannot_be_added_twice(team: Team, owner_client) -> None:  # type: ignore[no-untyped-def]
    mobile = team.users[Role.COURIER].mobile
    response = owner_client.post(
        reverse("org:staff_add"), {"full_name": "x", "mobile": mobile, "role": Role.COURIER}
    )
    assert "已经在本公司工作" in response.content.decode()


@pytest.mark.django_db
def test_the_last_owner_cannot_step_down(team: Team) -> None:
    owner = StaffMember.objects.get(company=team.company, role=Role.OWNER)
    with pytest.raises(ValidationError):
        services.staff_update(staff=owner, role=Role.DISPATCHER, is_active=True)
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


@pytest.mark.django_db
def test_an_owner_steps_down_when_another_owner_remains(team: Team) -> None:
    owner = StaffMember.objects.get(company=team.company, role=Role.OWNER)
    services.staff_add(
        company=team.company,
        full_name="新老板",
        mobile="13600000001",
        role=Role.OWNER,
        password="x" * 10,
    )
    services.staff_update(staff=owner, role=Role.DISPATCHER, is_active=True)
    owner.refresh_from_db()
    assert owner.role == Role.DISPATCHER


@pytest.mark.django_db
def test_the_staff_form_offers_only_the_companys_depots(
    team: Team, other_team: Team, owner_client
) -> None:  # type: ignore[no-untyped-def]
    foreign = DepotFactory(company=other_team.company, name="别家站点")
    response = owner_client.post(
        reverse("org:staff_add"),
        {
            "full_name": "x",
            "mobile": "13700000077",
            "role": Role.COURIER,
            "home_depot": foreign.pk,
            "password": "long-enough-1",
        },
    )
    assert "别家站点" not in response.content.decode()
    assert "选择一个有效的选项" in response.content.decode()
    assert not User.objects.filter(mobile="13700000077").exists()


@pytest.mark.django_db
def test_a_depot_outside_china_is_refused(team: Team, owner_client) -> None:  # type: ignore[no-untyped-def]
    response = owner_client.post(
        reverse("org:depot_create"),
        {
            "name": "伦敦站",
            "address": "London",
            "latitude": "51.5",
            "longitude": "-0.12",
            "opens_at": "07:00",
            "closes_at": "19:00",
        },
    )
    body = response.content.decode()
    assert "不在中国境内" in body
    assert not Depot.objects.filter(name="伦敦站").exists()
