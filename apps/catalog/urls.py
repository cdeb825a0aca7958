from django.urls import path

from apps.catalog import views

app_name = "catalog"
urlpatterns = [path("", views.index, name="index")]
for crud in views.ALL:
    urlpatterns += crud.urls()
