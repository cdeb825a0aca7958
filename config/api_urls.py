"""The REST API, version 1: each app contributes its routes to one router."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from apps.catalog.api import register_routes as register_catalog
from apps.orders.api import register_routes as register_orders
from apps.orders.api import urlpatterns as orders_urls
from apps.org.api import register_routes as register_org

router = DefaultRouter()
register_org(router)
register_catalog(router)
register_orders(router)

app_name = "api"
urlpatterns = [
    *router.urls,
    *orders_urls,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
