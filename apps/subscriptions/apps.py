from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "apps.subscriptions"
    verbose_name = _("Subscriptions")

    def ready(self) -> None:
        from apps.orders.events import order_status_changed
        from apps.subscriptions import receivers

        order_status_changed.connect(
            receivers.order_status_changed, dispatch_uid="subscriptions-order-status"
        )
