from __future__ import annotations

from django.urls import URLPattern, path

from apps.orders.views import importing

urlpatterns: list[URLPattern] = [
    path("import/", importing.import_upload, name="import_upload"),
    path("import/template/", importing.import_template, name="import_template"),
    path("import/<int:pk>/", importing.import_preview, name="import_preview"),
]
