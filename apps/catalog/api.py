from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets
from rest_framework.routers import BaseRouter

from apps.catalog.models import Product
from apps.org.api_permissions import SectionPermission
from apps.org.scoping import CompanyScopedViewSetMixin


class ProductSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Product
        fields = ["id", "sku", "name", "brand", "unit", "category", "price_fen", "is_active"]


class ProductViewSet(CompanyScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    queryset = Product.objects.order_by("category", "name")
    serializer_class = ProductSerializer
    permission_classes = [SectionPermission.for_section("orders")]
    filterset_fields = ["category", "is_active"]


def register_routes(router: BaseRouter) -> Any:
    router.register("products", ProductViewSet, basename="product")
