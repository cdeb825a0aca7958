"""The customer's public tracking page (no log-in; the token in the link is the key)."""

from __future__ import annotations

from django.urls import URLPattern, path

from apps.orders.views.tracking import tracking_page_view

app_name = "tracking"
urlpatterns: list[URLPattern] = [
    path("<str:token>/", tracking_page_view, name="page"),
]
