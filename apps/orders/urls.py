from django.urls import path

from apps.orders.urls_clients import urlpatterns as client_urls
from apps.orders.urls_import import urlpatterns as import_urls
from apps.orders.urls_notifications import urlpatterns as notification_urls
from apps.orders.views import detail, entry, pool

app_name = "orders"
urlpatterns = [
    path("", pool.index, name="index"),
    path("bulk/", pool.bulk, name="bulk"),
    path("quick/", entry.quick_entry, name="quick_entry"),
    path("quick/save/", entry.quick_entry_save, name="quick_entry_save"),
    path("quote/", entry.quote, name="quote"),
    path("new/", entry.order_new, name="create"),
    path("<int:pk>/", detail.order_detail, name="detail"),
    path("<int:pk>/<slug:name>/", detail.order_action, name="action"),
    *client_urls,
    *notification_urls,
    *import_urls,
]
