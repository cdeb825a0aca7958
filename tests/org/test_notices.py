from __future__ import annotations

import pytest
from django.urls import reverse

from apps.org.models import Notice, Role
from apps.org.services import notice_send
from tests.conftest import Team


@pytest.mark.django_db
def test_a_notice_reaches_every_owner_once_per_key(team: Team) -> None:
    first = notice_send(
        company=team.company, roles=[Role.OWNER], text="账不平", key="verify:2026-11-22"
    )
    again = notice_send(
        company=team.company, roles=[Role.OWNER], text="账不平", key="verify:2026-11-22"
    )
    assert len(first) == 1 and again == []
    assert Notice.objects.get().recipient.user == team.users[Role.OWNER]


@pytest.mark.django_db
def test_the_top_bar_counts_unread_notices_until_they_are_read(team: Team) -> None:
    notice_send(company=team.company, roles=[Role.OWNER], text="工单超时：王芳", link="/customers/")
    client = team.client_for(Role.OWNER)
    assert '<span class="badge">1</span>' in client.get(reverse("org:profile")).content.decode()
    page = client.get(reverse("org:notices")).content.decode()
    assert "工单超时：王芳" in page
    client.post(reverse("org:notices"))
    assert '<span class="badge">' not in client.get(reverse("org:profile")).content.decode()


@pytest.mark.django_db
def test_nobody_sees_another_persons_notices(team: Team) -> None:
    notice_send(company=team.company, roles=[Role.OWNER], text="只给老板")
    page = team.client_for(Role.DISPATCHER).get(reverse("org:notices")).content.decode()
    assert "只给老板" not in page
