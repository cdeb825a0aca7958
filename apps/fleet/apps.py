from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FleetConfig(AppConfig):
    name = "apps.fleet"
    verbose_name = _("Fleet")

    def ready(self) -> None:
        from apps.fleet.selectors.positions import order_courier_position
        from apps.orders.positions import register_position_source

        register_position_source(order_courier_position)
