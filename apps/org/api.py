from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets
from rest_framework.routers import BaseRouter

from apps.org.api_permissions import SectionPermission
from apps.org.models import Depot
from apps.org.scoping import CompanyScopedViewSetMixin


class DepotSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Depot
        fields = [
            "id",
            "name",
            "address",
            "latitude",
            "longitude",
            "phone",
            "opens_at",
            "closes_at",
        ]


class DepotViewSet(CompanyScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    queryset = Depot.objects.order_by("name")
    serializer_class = DepotSerializer
    permission_classes = [SectionPermission.for_section("dispatch")]


def register_routes(router: BaseRouter) -> Any:
    router.register("depots", DepotViewSet, basename="depot")
