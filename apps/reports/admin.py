"""Dashboard PDFs in the admin: for look-up only; the job writes them."""

from __future__ import annotations

from django.contrib import admin

from apps.org.admin import ReadOnlyOwnerAdmin
from apps.reports.models import DashboardPdf


@admin.register(DashboardPdf)
class DashboardPdfAdmin(ReadOnlyOwnerAdmin):
    list_display = ["id", "start", "end", "depot", "language", "status", "progress", "created_at"]
    list_filter = ["status", "language"]
    list_select_related = ["depot"]
    date_hierarchy = "created_at"
