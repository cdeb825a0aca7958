from __future__ import annotations

from django.contrib.auth.models import Group
from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task

from apps.org.models import Notice
from tests.factories import DepotFactory, StaffFactory
from tests.tenancy import MARKER


def _task(company, success, kind):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return Task.objects.create(
        id=f"{kind}{company.pk}",
        name=MARKER,
        func="apps.org.tasks.nothing",
        started=now,
        stopped=now,
        success=success,
        group=str(company.pk),
    )


def _access_attempt(company):  # type: ignore[no-untyped-def]
    from axes.models import AccessAttempt

    return AccessAttempt.objects.create(
        username=MARKER, ip_address="10.0.0.1", failures_since_start=1, get_data="", post_data=""
    )


def _access_log(company):  # type: ignore[no-untyped-def]
    from axes.models import AccessLog

    return AccessLog.objects.create(username=MARKER, ip_address="10.0.0.1")


def _access_failure(company):  # type: ignore[no-untyped-def]
    from axes.models import AccessFailureLog

    return AccessFailureLog.objects.create(username=MARKER, ip_address="10.0.0.1")


OBJECTS = {
    "org.company": lambda company: company,
    "org.depot": lambda company: DepotFactory(company=company, name=f"{MARKER}站"),
    "org.staffmember": lambda company: StaffFactory(company=company, user__first_name=MARKER),
    "org.notice": lambda company: Notice.objects.create(
        company=company,
        recipient=StaffFactory(company=company),
        text=MARKER,
    ),
    "org.user": lambda company: StaffFactory(company=company, user__first_name=MARKER).user,
    "auth.group": lambda company: Group.objects.create(name=f"{MARKER}{company.pk}"),
    "django_q.schedule": lambda company: Schedule.objects.create(
        name=f"{MARKER}{company.pk}", func="apps.org.tasks.nothing"
    ),
    "django_q.task": lambda company: _task(company, True, "task"),
    "django_q.success": lambda company: _task(company, True, "success"),
    "django_q.failure": lambda company: _task(company, False, "failure"),
    "django_q.ormq": lambda company: OrmQ.objects.create(
        key=MARKER, payload=MARKER, lock=timezone.now()
    ),
    "axes.accessattempt": _access_attempt,
    "axes.accesslog": _access_log,
    "axes.accessfailurelog": _access_failure,
}

URL_OBJECTS = {
    "org:depot_edit": "org.depot",
    "org:staff_edit": "org.staffmember",
    "api:depot-detail": "org.depot",
    "admin:auth_user_password_change": "org.user",
}
