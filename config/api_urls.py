"""The REST API, version 1: each app contributes its routes to one router."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from apps.catalog.api import register_routes as register_catalog
from apps.org.api import register_routes as register_org

router = DefaultRouter()
register_org(router)
register_catalog(router)

app_name = "api"
urlpatterns = router.urls
