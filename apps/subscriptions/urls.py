from django.urls import path

from apps.subscriptions import views

app_name = "subscriptions"
urlpatterns = [
    path("", views.index, name="index"),
    path("retention/", views.retention, name="retention"),
    path("plans/", views.plans, name="plan_list"),
    path("plans/new/", views.plan_edit, name="plan_create"),
    path("plans/<int:pk>/", views.plan_edit, name="plan_edit"),
    path("sell/", views.sell, name="sell"),
    path("pause-all/", views.pause_all, name="pause_all"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/renew/", views.renew, name="renew"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/send-link/", views.send_link, name="send_link"),
    path("my/<str:token>/", views.self_service, name="self_service"),
]
