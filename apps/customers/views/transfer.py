"""Customer import (upload → preview → import) and export.

Owners and dispatchers import; accountants, who may read customers, export only.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.customers.forms.transfer import ExportForm, ImportUploadForm
from apps.customers.models import ImportKind, ImportUpload
from apps.customers.selectors.customers import customer_list
from apps.customers.services.transfer import (
    ImportFailed,
    ImportFileError,
    ImportPlan,
    export_csv,
    export_rows,
    export_xlsx,
    import_plan,
    import_upload_run,
    import_upload_store,
    import_upload_table,
)
from apps.org.access import roles_required, section_required
from apps.org.models import Role
from apps.org.scoping import get_scoped_or_404

IMPORTERS = frozenset({Role.OWNER, Role.DISPATCHER})
importers_only = roles_required(IMPORTERS)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@section_required("customers")
def transfer_index(request: HttpRequest) -> HttpResponse:
    company = request.company  # type: ignore[attr-defined]
    return render(
        request,
        "customers/transfer/transfer.html",
        {
            "tab": "transfer",
            "can_import": request.staff.role in IMPORTERS,  # type: ignore[attr-defined]
            "upload_form": ImportUploadForm(),
            "export_form": ExportForm(company=company),
        },
    )


@section_required("customers")
def export_file(request: HttpRequest) -> HttpResponse:
    company = request.company  # type: ignore[attr-defined]
    form = ExportForm(request.GET, company=company)
    if not form.is_valid():
        messages.error(request, _("Choose what to export."))
        return redirect("customers:transfer")
    tag = form.cleaned_data["tag"]
    customers = customer_list(
        company=company, status=form.cleaned_data["status"], tag_id=tag.pk if tag else None
    ).order_by("code")
    rows = export_rows(customers)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if form.cleaned_data["file_type"] == "csv":  # XLSX unless CSV is asked for
        response = HttpResponse(export_csv(rows), content_type="text/csv; charset=utf-8")
        extension = "csv"
    else:
        response = HttpResponse(export_xlsx(rows), content_type=XLSX_TYPE)
        extension = "xlsx"
    response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.{extension}"'
    return response


@importers_only
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            upload = import_upload_store(
                company=request.company,  # type: ignore[attr-defined]
                staff=request.staff,  # type: ignore[attr-defined]
                filename=uploaded.name,
                content=uploaded.read(),
            )
        except ImportFileError as exc:
            form.add_error("file", exc)
        else:
            return redirect("customers:import_preview", pk=upload.pk)
    if request.method != "POST":
        return redirect("customers:transfer")
    return render(
        request,
        "customers/transfer/transfer.html",
        {
            "tab": "transfer",
            "can_import": True,
            "upload_form": form,
            "export_form": ExportForm(company=request.company),  # type: ignore[attr-defined]
        },
    )


@importers_only
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_scoped_or_404(
        ImportUpload,
        request.company,  # type: ignore[attr-defined]
        pk=pk,
        uploaded_by=request.staff,  # type: ignore[attr-defined]
        kind=ImportKind.CUSTOMERS,
    )
    plan: ImportPlan | None = None
    file_error = ""
    if request.method == "POST" and upload.imported_at is None:
        try:
            plan = import_upload_run(upload=upload)
        except ImportFailed as failed:
            plan = failed.plan
            messages.error(request, _("Nothing was imported: fix the rows below and upload again."))
        except ImportFileError as exc:
            file_error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("Imported: %(created)d new customers, %(updated)d updated.")
                % {"created": plan.created, "updated": plan.updated},
            )
            return redirect("customers:import_preview", pk=upload.pk)
    elif upload.imported_at is None:
        try:
            plan = import_plan(company=upload.company, table=import_upload_table(upload=upload))
        except ImportFileError as exc:
            file_error = " ".join(exc.messages)
    return render(
        request,
        "customers/transfer/preview.html",
        {
            "tab": "transfer",
            "upload": upload,
            "plan": plan,
            "file_error": file_error,
            "upload_form": ImportUploadForm(),
        },
    )
