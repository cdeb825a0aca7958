"""Importing a day's orders: upload → preview (every row checked) → confirm → result."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.customers.models import ImportKind, ImportUpload
from apps.customers.services.transfer import (
    ImportFileError,
    export_csv,
    export_xlsx,
    import_upload_store,
)
from apps.orders.forms.importing import DefaultWindowForm, OrderImportUploadForm, window_options
from apps.orders.services.importing import (
    OrderImportFailed,
    OrderImportPlan,
    orders_upload_import,
    orders_upload_plan,
    template_rows,
)
from apps.orders.views.common import company_of
from apps.org.access import section_required
from apps.org.scoping import get_scoped_or_404

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _preview_url(upload: ImportUpload, window: str) -> str:
    url = reverse("orders:import_preview", kwargs={"pk": upload.pk})
    return f"{url}?{urlencode({'window': window})}"


@section_required("orders")
def import_upload(request: HttpRequest) -> HttpResponse:
    form = OrderImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            upload = import_upload_store(
                company=company_of(request),
                staff=request.staff,  # type: ignore[attr-defined]
                filename=uploaded.name,
                content=uploaded.read(),
                kind=ImportKind.ORDERS,
            )
        except ImportFileError as exc:
            form.add_error("file", exc)
        else:
            return redirect(_preview_url(upload, form.cleaned_data["window"]))
    return render(request, "orders/import/upload.html", {"form": form})


@section_required("orders")
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_scoped_or_404(
        ImportUpload,
        company_of(request),
        pk=pk,
        uploaded_by=request.staff,  # type: ignore[attr-defined]
        kind=ImportKind.ORDERS,
    )
    asked = DefaultWindowForm(request.POST if request.method == "POST" else request.GET)
    options = window_options(asked.data)
    plan: OrderImportPlan | None = None
    file_error = ""
    try:
        if request.method == "POST" and upload.imported_at is None and not asked.is_valid():
            messages.error(request, _("The default window has passed: choose another one."))
        elif request.method == "POST" and upload.imported_at is None:
            try:
                result = orders_upload_import(
                    upload=upload, default_window=asked.default_window(), created_by=request.user
                )
            except OrderImportFailed as failed:
                plan = failed.plan
                messages.error(
                    request, _("Nothing was imported: fix the rows below and upload again.")
                )
            else:
                messages.success(request, _result_message(len(result.orders), result.new_customers))
                return redirect("orders:import_preview", pk=upload.pk)
        if plan is None and upload.imported_at is None:
            plan = orders_upload_plan(upload=upload, default_window=options.default_window())
    except ImportFileError as exc:
        file_error = " ".join(exc.messages)
    return render(
        request,
        "orders/import/preview.html",
        {
            "upload": upload,
            "plan": plan,
            "file_error": file_error,
            "options": options,
            "upload_form": OrderImportUploadForm(initial={"window": options.data["window"]}),
        },
    )


def _result_message(orders: int, customers: int) -> str:
    return _("Imported %(orders)d orders into the pool (%(customers)d new customers).") % {
        "orders": orders,
        "customers": customers,
    }


@require_GET
@section_required("orders")
def import_template(request: HttpRequest) -> HttpResponse:
    rows = template_rows(company=company_of(request), today=timezone.localdate())
    if request.GET.get("type") == "csv":
        response = HttpResponse(export_csv(rows), content_type="text/csv; charset=utf-8")
        extension = "csv"
    else:
        response = HttpResponse(export_xlsx(rows, title=_("Orders")), content_type=XLSX_TYPE)
        extension = "xlsx"
    response["Content-Disposition"] = f'attachment; filename="orders-template.{extension}"'
    return response
