from __future__ import annotations

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from apps.reports import views as report_views

urlpatterns = [
    path("", report_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("org/", include("apps.org.urls")),
    path("catalog/", include("apps.catalog.urls")),
    path("customers/", include("apps.customers.urls")),
    path("ledger/", include("apps.ledger.urls")),
    path("orders/", include("apps.orders.urls")),
    path("t/", include("apps.orders.urls_tracking")),
    path("fleet/", include("apps.fleet.urls")),
    path("subscriptions/", include("apps.subscriptions.urls")),
    path("reports/", include("apps.reports.urls")),
    path("api/v1/", include("config.api_urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
