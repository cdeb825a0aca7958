from django.urls import include, path

from apps.customers.views import customers

app_name = "customers"
urlpatterns = [
    path("", customers.customer_list, name="index"),
    path("new/", customers.customer_create, name="create"),
    path("<int:pk>/", customers.customer_detail, name="detail"),
    path("<int:pk>/edit/", customers.customer_edit, name="edit"),
    path("<int:customer_pk>/addresses/new/", customers.address_edit, name="address_create"),
    path("<int:customer_pk>/addresses/<int:pk>/", customers.address_edit, name="address_edit"),
    path("addresses/<int:pk>/default/", customers.address_make_default, name="address_default"),
    path("addresses/<int:pk>/delete/", customers.address_delete, name="address_delete"),
    path("", include("apps.customers.urls_tickets")),
    path("", include("apps.customers.urls_transfer")),
]
