from django.urls import path

from apps.fleet.urls_board import urlpatterns as board_urls
from apps.fleet.urls_courier import urlpatterns as courier_urls
from apps.fleet.urls_dispatch import urlpatterns as dispatch_urls
from apps.fleet.urls_planning import urlpatterns as planning_urls
from apps.fleet.urls_setup import urlpatterns as setup_urls
from apps.fleet.views import board, setup

app_name = "fleet"
urlpatterns = [
    path("", setup.index, name="index"),
    path("board/", board.board, name="board"),
    *board_urls,
    *courier_urls,
    *planning_urls,
    *setup_urls,
    *dispatch_urls,
]
