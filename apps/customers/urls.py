from django.urls import path

from apps.customers import views

app_name = "customers"
urlpatterns = [path("", views.index, name="index")]
