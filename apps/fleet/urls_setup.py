from __future__ import annotations

from django.urls import URLPattern, path

from apps.fleet.views import setup

urlpatterns: list[URLPattern] = [
    path("setup/vehicles/", setup.vehicle_list, name="vehicle_list"),
    path("setup/vehicles/new/", setup.vehicle_edit, name="vehicle_create"),
    path("setup/vehicles/<int:pk>/", setup.vehicle_edit, name="vehicle_edit"),
    path(
        "setup/vehicles/<int:pk>/deactivate/", setup.vehicle_deactivate, name="vehicle_deactivate"
    ),
    path(
        "setup/vehicles/<int:pk>/reactivate/", setup.vehicle_reactivate, name="vehicle_reactivate"
    ),
    path("setup/shifts/", setup.shift_list, name="shift_list"),
    path("setup/shifts/new/", setup.shift_edit, name="shift_create"),
    path("setup/shifts/<int:pk>/", setup.shift_edit, name="shift_edit"),
    path("setup/shifts/<int:pk>/delete/", setup.shift_delete, name="shift_delete"),
    path("setup/couriers/", setup.courier_list, name="courier_list"),
    path("setup/dispatch/", setup.dispatch_settings, name="dispatch_settings"),
]
