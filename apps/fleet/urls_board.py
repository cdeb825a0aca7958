from __future__ import annotations

from django.urls import URLPattern, path

from apps.fleet import api
from apps.fleet.views import board

urlpatterns: list[URLPattern] = [
    path("board/data/", board.board_data, name="board_data"),
    path("board/assign/", board.board_assign, name="board_assign"),
    path("positions/", api.positions_post, name="positions_post"),
]
