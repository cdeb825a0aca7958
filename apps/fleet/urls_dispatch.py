from __future__ import annotations

from django.urls import URLPattern, path

from apps.fleet.views import grab

urlpatterns: list[URLPattern] = [
    path("courier/grab/", grab.grab_pool, name="grab_pool"),
    path("courier/grab/<int:pk>/claim/", grab.grab_claim, name="grab_claim"),
    path("courier/grab/<int:pk>/hand-back/", grab.grab_decline, name="grab_decline"),
]
