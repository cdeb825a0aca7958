from __future__ import annotations

from django.urls import URLPattern, path

from apps.fleet.views import planning

urlpatterns: list[URLPattern] = [
    path("plans/", planning.plan_list, name="plan_list"),
    path("plans/new/", planning.plan_new, name="plan_new"),
    path("plans/<int:pk>/", planning.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/cancel/", planning.plan_cancel, name="plan_cancel"),
    path("plans/<int:pk>/publish/", planning.plan_publish, name="plan_publish"),
    path(
        "plans/<int:pk>/stops/<int:stop_pk>/move/", planning.plan_stop_move, name="plan_stop_move"
    ),
    path("plans/<int:pk>/sheet/<int:courier_pk>/", planning.plan_sheet, name="plan_route_sheet"),
]
