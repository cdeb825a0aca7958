"""django-q2 entry points of the ledger: thin, take ids, idempotent."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from apps.org.models import Company, Role
from apps.org.services import notice_send

NIGHTLY_VERIFY = "ledger-verify-nightly"


def ledger_verify_all() -> int:
    """Nightly: check every company's book and tell its owners when it is not exact."""
    from apps.ledger.verify import ledger_verify

    failed = 0
    for company in Company.objects.filter(is_active=True).order_by("pk"):
        problems = ledger_verify(company=company)
        if not problems:
            continue
        failed += 1
        with override("zh-hans"):
            notice_send(
                company=company,
                roles=[Role.OWNER],
                text=(
                    _("The books are out of balance: %(count)s problem(s), e.g. %(first)s")
                    % {"count": len(problems), "first": problems[0]}
                )[:300],
                link="/ledger/",
                key=f"ledger-verify-{timezone.localdate().isoformat()}",
            )
    return failed


def statement_render(statement_id: int) -> None:
    from apps.ledger.statements import statement_render as render

    render(statement_id=statement_id)


def batch_render(batch_id: int) -> None:
    from apps.ledger.statements import batch_render as render

    render(batch_id=batch_id)
