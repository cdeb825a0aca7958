"""django-q2 entry points of the reports: thin and idempotent."""

from __future__ import annotations

from apps.org.models import Company

STOCK_ALERTS = "reports-stock-alerts"
CUSTOMER_ACTIVITY = "reports-customer-activity"


def stock_alerts_send_all() -> int:
    """Daily: warn every company's owners about tomorrow's low stock (a repeat sends nothing)."""
    from apps.reports.services import stock_alerts_notify

    return sum(
        1
        for company in Company.objects.filter(is_active=True).order_by("pk")
        if stock_alerts_notify(company=company)
    )


def dashboard_pdf_render(pdf_id: int) -> None:
    from apps.reports.pdf import dashboard_pdf_render as render

    render(pdf_id=pdf_id)


def customer_activity_refresh_all() -> int:
    """Nightly: rebuild every active company's customer activity summary (a rerun rebuilds the
    same rows); returns the number of rows written."""
    from apps.reports.services import customer_activity_refresh

    return sum(
        customer_activity_refresh(company=company)
        for company in Company.objects.filter(is_active=True).order_by("pk")
    )
