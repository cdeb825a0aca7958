from django.urls import include, path

from apps.customers.views import customers

app_name = "customers"
urlpatterns = [
    path("", customers.customer_list, name="index"),
    path("", include("apps.customers.urls_tickets")),
    path("", include("apps.customers.urls_transfer")),
]
