"""The orders API: take, read, list, cancel orders; platform webhooks; the phone system's hook.

Callers are API clients (``Authorization: Bearer <token>``, the company is the
client's) or signed-in staff whose role opens the orders section. Writes go
through the order services; errors are JSON: ``{"field": ["message"]}`` for bad
input (``non_field_errors`` when no single field is at fault) and
``{"detail": "message"}`` otherwise. An illegal status change is a 409.

``POST`` writes accept an ``Idempotency-Key`` header (API clients only; see
``apps/orders/services/idempotency.py``): a retry gets the first response
back byte for byte, the same key with another body is a 422. Without the
header a write is simply not protected against retries, except that an order's
``external_id`` is unique per channel: sending it again answers 200 with the
order already in the pool instead of 201 with a new one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpResponse, RawPostDataException
from django.http.response import HttpResponseBase
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ParseError, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter
from rest_framework.settings import api_settings
from rest_framework.views import APIView, exception_handler

from apps.orders.authentication import (
    ApiClientAuthentication,
    IsApiClient,
    OrdersApiPermission,
)
from apps.orders.errors import IllegalTransition
from apps.orders.filters import OrderFilter
from apps.orders.models import ApiClient, Order, OrderChannel, OrderEvent, OrderLine
from apps.orders.platforms import SIGNATURE_HEADER, MappingError, map_order, signature_matches
from apps.orders.serializers import (
    CancelSerializer,
    IncomingCallInputSerializer,
    IncomingCallSerializer,
    OrderCreateSerializer,
    OrderEventSerializer,
    OrderSerializer,
    PingSerializer,
)
from apps.orders.services.calls import call_record
from apps.orders.services.clients import api_client_touch
from apps.orders.services.idempotency import (
    HEADER as IDEMPOTENCY_HEADER,
)
from apps.orders.services.idempotency import (
    IdempotencyInProgress,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    StoredResponse,
    idempotency_key_check,
    idempotent,
    request_fingerprint,
)
from apps.orders.services.lifecycle import Actor, order_cancel
from apps.orders.services.remote import order_receive
from apps.org.models import Company
from apps.org.scoping import CompanyScopedViewSetMixin

logger = logging.getLogger(__name__)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The request conflicts with the order's current state.")
    default_code = "conflict"


class Unprocessable(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = gettext_lazy("The request cannot be processed.")
    default_code = "unprocessable"


def _field_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field: messages
            for field, messages in error.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, taught the domain's errors."""
    if isinstance(exc, IdempotencyKeyReused):
        exc = Unprocessable(str(exc))
    elif isinstance(exc, IdempotencyInProgress):
        exc = Conflict(str(exc))
    elif isinstance(exc, IdempotencyKeyInvalid):
        exc = ValidationError({IDEMPOTENCY_HEADER: exc.messages})
    elif isinstance(exc, IllegalTransition):
        exc = Conflict(" ".join(exc.messages))
    elif isinstance(exc, DjangoValidationError):
        exc = ValidationError(_field_errors(exc))
    elif isinstance(exc, MappingError):
        exc = ValidationError({exc.field: [str(exc.message)]})
    return exception_handler(exc, context)


class ApiErrorsMixin:
    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return api_exception_handler


def _company(request: Request) -> Company:
    """Set by the middleware (staff) or by ``ApiClientAuthentication`` (clients)."""
    return request.company  # type: ignore[attr-defined, no-any-return]


def _client(request: Request) -> ApiClient | None:
    return request.auth if isinstance(request.auth, ApiClient) else None


def _actor(request: Request) -> Actor:
    client = _client(request)
    return Actor(label=client.name) if client else Actor(user=request.user)


def _raw_body(request: Request) -> bytes:
    try:
        return request._request.body
    except RawPostDataException:
        raise ParseError(_("Send the request body as JSON.")) from None


def _render(view: APIView, request: Request, response: Response) -> bytes:
    response.accepted_renderer = request.accepted_renderer
    response.accepted_media_type = request.accepted_media_type
    response.renderer_context = view.get_renderer_context()  # type: ignore[attr-defined]
    response.render()
    return response.content


def respond_idempotently(
    view: APIView, request: Request, client: ApiClient | None, act: Callable[[], Response]
) -> HttpResponseBase:
    """Run a write once per Idempotency-Key; a retry gets the stored bytes back."""
    key = idempotency_key_check(request.headers.get(IDEMPOTENCY_HEADER))
    if key is None:
        return act()
    if client is None:
        raise ValidationError(
            {IDEMPOTENCY_HEADER: [_("Idempotency-Key is honoured for API clients only.")]}
        )
    fingerprint = request_fingerprint(
        method=request.method or "", path=request.path, body=_raw_body(request)
    )

    def produce() -> StoredResponse:
        response = act()
        body = _render(view, request, response)
        return StoredResponse(response.status_code, response["Content-Type"], body)

    stored, replayed = idempotent(client=client, key=key, fingerprint=fingerprint, produce=produce)
    reply = HttpResponse(stored.body, status=stored.status_code, content_type=stored.content_type)
    if replayed:
        reply["Idempotent-Replayed"] = "true"
    return reply


def _with_details(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.select_related("customer", "address", "courier__user").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product"))
    )


# Built once: a serializer deep-copies its declared fields whenever one is made, which cost
# ten times the representation itself. Representing only reads, so threads can share it.
ORDER_REPRESENTATION = OrderSerializer()


def _order_response(order: Order, *, created: bool = False) -> Response:
    # What the services already loaded (customer, address, a new order's lines) is not
    # fetched again, and an order without a courier has none to look up.
    lookups: list[str | Prefetch[Any]] = [
        "customer",
        "address",
        Prefetch("lines", queryset=OrderLine.objects.select_related("product")),
    ]
    if order.courier_id is not None:
        lookups.append("courier__user")
    prefetch_related_objects([order], *lookups)
    return Response(
        ORDER_REPRESENTATION.to_representation(order),
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=gettext_lazy(
        "Any unique text up to 255 printable ASCII characters (a UUID is fine). A retry with "
        "the same key and body gets the first response back; another body is refused (422). "
        "API clients only."
    ),
)
ERROR = inline_serializer("Error", {"detail": serializers.CharField()})
FIELD_ERRORS = OpenApiResponse(
    OpenApiTypes.OBJECT, description=gettext_lazy('Bad input: {"field": ["message"]}.')
)
REPLAYED = gettext_lazy(
    "A replayed response carries the header Idempotent-Replayed: true and the first "
    "response's exact bytes."
)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("List the company's orders")),
    retrieve=extend_schema(
        summary=gettext_lazy("One order"), responses={200: OrderSerializer, 404: ERROR}
    ),
)
class OrderViewSet(
    ApiErrorsMixin,
    CompanyScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """The company's orders: take, read, list, cancel, and read the status history."""

    queryset = _with_details(Order.objects.order_by("-created_at", "-pk"))
    serializer_class = OrderSerializer
    authentication_classes = [ApiClientAuthentication, SessionAuthentication]
    permission_classes = [OrdersApiPermission]
    parser_classes = [JSONParser]
    filterset_class = OrderFilter
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if self.action in ("cancel", "events"):
            # Only the row is needed: the service locks and reloads it, the history is read apart.
            return queryset.select_related(None).prefetch_related(None)
        return queryset

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)  # type: ignore[no-any-return]

    @extend_schema(
        summary=gettext_lazy("Take an order"),
        description=gettext_lazy(
            "Name the customer by id, or by phone (with name and address when the company "
            "does not know the number yet). Lines name products by id or SKU. Without a "
            "window the order is for as soon as possible. 201: a new order; 200: an order "
            "with this external_id was already in the pool, and this is it."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=OrderCreateSerializer,
        responses={
            201: OpenApiResponse(OrderSerializer, description=REPLAYED),
            200: OrderSerializer,
            400: FIELD_ERRORS,
            422: ERROR,
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return respond_idempotently(self, request, _client(request), lambda: self._take(request))

    def _take(self, request: Request) -> Response:
        serializer = OrderCreateSerializer(
            data=request.data, context={"company": _company(request)}
        )
        serializer.is_valid(raise_exception=True)
        client = _client(request)
        order, created = order_receive(
            company=_company(request),
            channel=client.channel if client else OrderChannel.BACK_OFFICE,
            actor=_actor(request),
            api_client=client,
            **serializer.intake(),
        )
        return _order_response(order, created=created)

    @extend_schema(
        summary=gettext_lazy("Cancel an order"),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=CancelSerializer,
        responses={200: OrderSerializer, 400: FIELD_ERRORS, 404: ERROR, 409: ERROR, 422: ERROR},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return respond_idempotently(self, request, _client(request), lambda: self._cancel(request))

    def _cancel(self, request: Request) -> Response:
        order = self.get_object()
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = order_cancel(
            order=order,
            reason=serializer.validated_data["reason"],
            note=serializer.validated_data["note"],
            actor=_actor(request),
        )
        return _order_response(order)

    @extend_schema(
        summary=gettext_lazy("An order's status history"),
        responses={200: OrderEventSerializer(many=True), 404: ERROR},
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = self.get_object()
        events = OrderEvent.objects.filter(order=order).select_related("actor", "courier__user")
        return Response(OrderEventSerializer(events, many=True).data)


def _verified_client(client_id: int, signature: str, body: bytes) -> ApiClient:
    client = (
        ApiClient.objects.select_related("company")
        .filter(pk=client_id, is_active=True, revoked_at__isnull=True, company__is_active=True)
        .first()
    )
    if client is None or not signature_matches(client.webhook_secret, body, signature):
        logger.warning(
            "Platform webhook refused for client %s: %s",
            client_id,
            "unknown or revoked client" if client is None else "missing or wrong signature",
        )
        # One answer for "no such client" and "not signed by it": a caller who cannot sign
        # learns nothing, not even whether the client exists (as for another company's row).
        raise NotFound(_("No such webhook, or its signature is missing or wrong."))
    api_client_touch(client=client)
    return client


class PlatformOrderView(ApiErrorsMixin, APIView):
    """A delivery platform pushes an order; it is mapped through the client's field mapping."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    @extend_schema(
        summary=gettext_lazy("Receive a platform's order (webhook)"),
        description=gettext_lazy(
            "The body is the platform's own order JSON, mapped to an order through the API "
            "client's field mapping. Signed with the client's webhook secret: "
            "X-Songda-Signature: sha256=<hex HMAC-SHA256 of the raw body>. An unknown client "
            "or a missing or wrong signature is a 404 and changes nothing. 201: a new order; "
            "200: the platform's order was already in the pool."
        ),
        parameters=[
            OpenApiParameter(
                SIGNATURE_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description=gettext_lazy("sha256=<hex HMAC-SHA256 of the raw body>"),
            ),
            IDEMPOTENCY_PARAMETER,
        ],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={201: OrderSerializer, 200: OrderSerializer, 400: FIELD_ERRORS, 404: ERROR},
        auth=[],
    )
    def post(self, request: Request, client_id: int, *args: Any, **kwargs: Any) -> HttpResponseBase:
        body = _raw_body(request)
        client = _verified_client(client_id, request.headers.get(SIGNATURE_HEADER, ""), body)
        request._request.company = client.company  # type: ignore[attr-defined]
        return respond_idempotently(self, request, client, lambda: self._take(client, body))

    def _take(self, client: ApiClient, body: bytes) -> Response:
        try:
            payload = json.loads(body)
        except ValueError:
            raise ParseError(_("The body is not valid JSON.")) from None
        serializer = OrderCreateSerializer(
            data=map_order(payload, client.field_mapping), context={"company": client.company}
        )
        serializer.is_valid(raise_exception=True)
        order, created = order_receive(
            company=client.company,
            channel=client.channel,
            actor=Actor(label=client.name),
            api_client=client,
            **serializer.intake(),
        )
        return _order_response(order, created=created)


class IncomingCallView(ApiErrorsMixin, APIView):
    """The phone system announces a call; the dispatcher's screen shows the caller's card."""

    authentication_classes = [ApiClientAuthentication]
    permission_classes = [IsApiClient]
    parser_classes = [JSONParser]

    @extend_schema(
        summary=gettext_lazy("Announce an incoming call (caller ID)"),
        description=gettext_lazy(
            "Called by the phone system when a call rings: the dispatchers' screens show the "
            "caller's card (name, default address, last orders) within a few seconds."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=IncomingCallInputSerializer,
        responses={201: IncomingCallSerializer, 400: FIELD_ERRORS, 422: ERROR},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return respond_idempotently(self, request, _client(request), lambda: self._record(request))

    def _record(self, request: Request) -> Response:
        serializer = IncomingCallInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call = call_record(company=_company(request), phone=serializer.validated_data["phone"])
        return Response(IncomingCallSerializer(call).data, status=status.HTTP_201_CREATED)


class PingView(APIView):
    """Does nothing: the ceiling the benchmark compares order intake with."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(summary=gettext_lazy("Is the API up?"), responses=PingSerializer, auth=[])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({"ok": True})


def register_routes(router: BaseRouter) -> Any:
    router.register("orders", OrderViewSet, basename="order")


urlpatterns = [
    path("ping", PingView.as_view(), name="ping"),
    path("calls/incoming", IncomingCallView.as_view(), name="calls-incoming"),
    path(
        "platforms/<int:client_id>/orders/",
        PlatformOrderView.as_view(),
        name="platform-orders",
    ),
]
