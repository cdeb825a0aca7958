from __future__ import annotations

from typing import Any, cast

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from apps.ledger.models import JobStatus
from apps.org.access import member_required, section_required
from apps.org.models import Company, Role, StaffMember
from apps.org.navigation import home_section_for_role
from apps.org.scoping import get_scoped_or_404
from apps.reports.exports import CSV_TYPE, XLSX_TYPE, to_csv, to_xlsx
from apps.reports.forms import PeriodForm
from apps.reports.models import DashboardPdf
from apps.reports.pages import OBJECT_PAGES, PAGES, Page
from apps.reports.pdf import dashboard_pdf_request
from apps.reports.selectors import company_overview


@member_required
def home(request: HttpRequest) -> HttpResponse:
    """Couriers go straight to their day; everyone else sees the company at a glance."""
    role = request.staff.role  # type: ignore[attr-defined]
    if role == Role.COURIER:
        return redirect(home_section_for_role(role).url_name)
    overview = company_overview(company=request.company)  # type: ignore[attr-defined]
    return render(request, "reports/home.html", {"overview": overview})


def _company(request: HttpRequest) -> Company:
    return request.company  # type: ignore[attr-defined,no-any-return]


def _context(request: HttpRequest, key: str, pk: int | None) -> dict[str, Any]:
    page: Page | None = PAGES.get(key)
    if page is None or (pk is not None) != (key in OBJECT_PAGES):
        raise Http404
    company = _company(request)
    params: dict[str, Any] = request.GET.dict()
    if pk is not None:
        params["courier"] = get_scoped_or_404(
            StaffMember.objects.select_related("user"), company, pk=pk
        )
    form = PeriodForm(request.GET or None, company=company, default_days=page.default_days)
    period = form.period()
    context = page.build(company, period, params)
    context.update(
        {"form": form, "period": period, "page": page, "pk": pk, "query": request.GET.urlencode()}
    )
    return context


@section_required("reports")
def report(request: HttpRequest, key: str, pk: int | None = None) -> HttpResponse:
    context = _context(request, key, pk)
    return render(request, context["page"].template, context)


@section_required("reports")
def export(request: HttpRequest, key: str, fmt: str, pk: int | None = None) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    data = _context(request, key, pk)
    period = data["period"]
    filename = f"{key}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}"
    body = to_csv(data["tables"]) if fmt == "csv" else to_xlsx(data["tables"])
    response = HttpResponse(body, content_type=CSV_TYPE if fmt == "csv" else XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@section_required("reports")
@require_POST
def pdf_request(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    form = PeriodForm(request.POST, company=company)
    pdf = dashboard_pdf_request(
        company=company,
        period=form.period(),
        created_by=request.user,
        language=get_language() or "zh-hans",
    )
    return redirect("reports:pdf_status", pk=pdf.pk)


@section_required("reports")
def pdf_status(request: HttpRequest, pk: int) -> HttpResponse:
    pdf = get_scoped_or_404(DashboardPdf.objects.select_related("depot"), _company(request), pk=pk)
    return render(request, "reports/pdf_status.html", {"pdf": pdf})


@section_required("reports")
def pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    pdf = get_scoped_or_404(DashboardPdf, _company(request), pk=pk, status=JobStatus.DONE)
    return cast(
        HttpResponse,
        FileResponse(
            pdf.file.open("rb"),
            as_attachment=True,
            filename=pdf.filename,
            content_type="application/pdf",
        ),
    )
