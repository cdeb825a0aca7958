from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.org.models import Role
from tests.conftest import Team, make_team
from tests.factories import PASSWORD, StaffFactory


def _log_in(client: Client, login: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(reverse("org:login"), {"username": login, "password": password})


@pytest.mark.django_db
def test_it_logs_in_with_a_username(client: Client, team: Team) -> None:
    user = team.users[Role.DISPATCHER]
    response = _log_in(client, user.username)
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == user


@pytest.mark.django_db
def test_it_logs_in_with_a_mobile_number(client: Client, team: Team) -> None:
    user = team.users[Role.ACCOUNTANT]
    assert _log_in(client, user.mobile).status_code == 302
    assert client.get(reverse("home")).context["user"] == user


@pytest.mark.django_db
def test_a_wrong_password_is_explained_in_chinese(client: Client, team: Team) -> None:
    response = _log_in(client, team.users[Role.OWNER].username, "wrong-password")
    assert response.status_code == 200
    assert "用户名、手机号或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_it_locks_a_login_after_five_failures(client: Client, team: Team) -> None:
    username = team.users[Role.OWNER].username
    for _ in range(5):
        _log_in(client, username, "wrong-password")
    response = _log_in(client, username)  # even the right password is refused now
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_logging_out_ends_the_session(team: Team) -> None:
    client = team.client_for(Role.DISPATCHER)
    assert client.post(reverse("org:logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_a_user_changes_the_password(team: Team) -> None:
    user = team.users[Role.COURIER]
    client = team.client_for(Role.COURIER)
    response = client.post(
        reverse("org:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Shui-Zhan-2026!",
            "new_password2": "Shui-Zhan-2026!",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Shui-Zhan-2026!")


@pytest.mark.django_db
def test_a_user_in_two_companies_switches_between_them(team: Team, other_team: Team) -> None:
    user = team.users[Role.DISPATCHER]
    StaffFactory(company=other_team.company, user=user, role=Role.OWNER)
    client = team.client_for(Role.DISPATCHER)
    first = client.get(reverse("home"))
    assert first.context["current_company"] == team.company
    assert other_team.company.name in first.content.decode()  # in the switcher
    client.post(reverse("org:switch_company"), {"company": other_team.company.pk})
    after = client.get(reverse("home"))
    assert after.context["current_company"] == other_team.company
    assert after.context["current_staff"].role == Role.OWNER


@pytest.mark.django_db
def test_nobody_switches_into_a_company_they_do_not_belong_to(team: Team) -> None:
    stranger = make_team()
    client = team.client_for(Role.OWNER)
    response = client.post(reverse("org:switch_company"), {"company": stranger.company.pk})
    assert response.status_code == 404
    assert client.get(reverse("home")).context["current_company"] == team.company


@pytest.mark.django_db
def test_a_user_chooses_english(team: Team) -> None:
    client = team.client_for(Role.OWNER)
    assert "退出登录" in client.get(reverse("org:profile")).content.decode()
    client.post(reverse("org:profile"), {"language": "en"})
    body = client.get(reverse("org:profile")).content.decode()
    assert "Log out" in body
    assert "退出登录" not in body


@pytest.mark.django_db
def test_an_account_without_a_company_is_told_so(client: Client) -> None:
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "您的账号还没有加入任何公司" in response.content.decode()
