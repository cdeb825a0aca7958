from django.urls import path

from apps.fleet import views

app_name = "fleet"
urlpatterns = [
    path("", views.index, name="index"),
    path("board/", views.board, name="board"),
    path("courier/", views.courier_today, name="courier_today"),
]
