from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FleetConfig(AppConfig):
    name = "apps.fleet"
    verbose_name = _("Fleet")

    def ready(self) -> None:
        from apps.fleet import receivers
        from apps.fleet.selectors.positions import order_courier_position
        from apps.orders.events import order_status_changed
        from apps.orders.positions import register_position_source

        register_position_source(order_courier_position)
        order_status_changed.connect(
            receivers.order_status_changed, dispatch_uid="fleet-dispatch-order-status"
        )
