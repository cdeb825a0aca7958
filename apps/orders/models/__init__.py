from apps.orders.models.calls import IncomingCall
from apps.orders.models.clients import ApiClient, IdempotencyRecord
from apps.orders.models.notifications import (
    Notification,
    NotificationEvent,
    NotificationStatus,
    NotificationTemplate,
)
from apps.orders.models.orders import (
    OPEN_STATUSES,
    CancelReason,
    FailReason,
    Order,
    OrderChannel,
    OrderEvent,
    OrderLine,
    OrderSettings,
    OrderStatus,
    PaymentIntent,
    new_tracking_token,
)

__all__ = [
    "OPEN_STATUSES",
    "ApiClient",
    "CancelReason",
    "FailReason",
    "IdempotencyRecord",
    "IncomingCall",
    "Notification",
    "NotificationEvent",
    "NotificationStatus",
    "NotificationTemplate",
    "Order",
    "OrderChannel",
    "OrderEvent",
    "OrderLine",
    "OrderSettings",
    "OrderStatus",
    "PaymentIntent",
    "new_tracking_token",
]
