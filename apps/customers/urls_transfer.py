from __future__ import annotations

from django.urls import URLPattern, path

from apps.customers.views import transfer

urlpatterns: list[URLPattern] = [
    path("transfer/", transfer.transfer_index, name="transfer"),
    path("transfer/export/", transfer.export_file, name="export"),
    path("transfer/import/", transfer.import_upload, name="import_upload"),
    path("transfer/import/<int:pk>/", transfer.import_preview, name="import_preview"),
]
