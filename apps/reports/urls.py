from django.urls import path

from apps.reports import views
from apps.reports.pages import OBJECT_PAGES, PAGES

app_name = "reports"


def _slug(key: str) -> str:
    return key.replace("_", "-")


def _prefix(key: str) -> str:
    return f"{_slug(key)}/<int:pk>/" if key in OBJECT_PAGES else f"{_slug(key)}/"


urlpatterns = [
    path("", views.report, {"key": "dashboard"}, name="index"),
    path("dashboard/pdf/", views.pdf_request, name="pdf_request"),
    path("dashboard/pdf/<int:pk>/", views.pdf_status, name="pdf_status"),
    path("dashboard/pdf/<int:pk>/download/", views.pdf_download, name="pdf_download"),
]
for _key in PAGES:
    if _key != "dashboard":
        urlpatterns.append(path(_prefix(_key), views.report, {"key": _key}, name=_key))
    for _fmt in ("csv", "xlsx"):
        urlpatterns.append(
            path(
                f"{_prefix(_key)}export.{_fmt}",
                views.export,
                {"key": _key, "fmt": _fmt},
                name=f"{_key}_{_fmt}",
            )
        )
