"""The owner's API clients pages: create (the token is shown once), revoke, secret and mapping."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.orders.forms.clients import ApiClientForm, FieldMappingForm
from apps.orders.models import ApiClient, OrderChannel
from apps.orders.platforms import SIGNATURE_HEADER
from apps.orders.services.clients import (
    api_client_create,
    api_client_revoke,
    api_client_rotate_secret,
    api_client_update_mapping,
)
from apps.orders.views.common import company_of
from apps.org.access import roles_required
from apps.org.models import Role
from apps.org.scoping import get_scoped_or_404

owner_required = roles_required(frozenset({Role.OWNER}))
CHANNEL_LABELS = dict(OrderChannel.choices)


def _labelled(client: ApiClient) -> ApiClient:
    client.channel_label = CHANNEL_LABELS.get(client.channel, client.channel)  # type: ignore[attr-defined]
    return client


@owner_required
def client_list(request: HttpRequest) -> HttpResponse:
    clients = ApiClient.objects.filter(company=company_of(request)).order_by("-is_active", "name")
    return render(
        request, "orders/clients/client_list.html", {"clients": [_labelled(c) for c in clients]}
    )


@never_cache
@owner_required
def client_create(request: HttpRequest) -> HttpResponse:
    form = ApiClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client, token = api_client_create(company=company_of(request), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Rendered, not redirected: the token exists in clear only in this response.
            return render(
                request, "orders/clients/client_token.html", {"client": client, "token": token}
            )
    return render(
        request,
        "core/form_page.html",
        {"form": form, "title": _("New API client"), "cancel_url": reverse("orders:client_list")},
    )


@never_cache
@owner_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_scoped_or_404(ApiClient, company_of(request), pk=pk)
    form = FieldMappingForm(request.POST or None, initial={"field_mapping": client.field_mapping})
    if request.method == "POST" and form.is_valid():
        try:
            api_client_update_mapping(
                client=client, field_mapping=form.cleaned_data["field_mapping"]
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("field_mapping", message)
        else:
            messages.success(request, _("The field mapping was saved."))
            return redirect("orders:client_detail", pk=client.pk)
    webhook_url = request.build_absolute_uri(reverse("api:platform-orders", args=[client.pk]))
    return render(
        request,
        "orders/clients/client_detail.html",
        {
            "client": _labelled(client),
            "form": form,
            "webhook_url": webhook_url,
            "signature_header": SIGNATURE_HEADER,
        },
    )


@require_POST
@owner_required
def client_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_scoped_or_404(ApiClient, company_of(request), pk=pk)
    api_client_revoke(client=client)
    messages.success(request, _("%(client)s can no longer use its token.") % {"client": client})
    return redirect("orders:client_detail", pk=client.pk)


@require_POST
@owner_required
def client_rotate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_scoped_or_404(ApiClient, company_of(request), pk=pk)
    api_client_rotate_secret(client=client)
    messages.success(
        request,
        _("%(client)s has a new webhook secret; give it to the platform now.") % {"client": client},
    )
    return redirect("orders:client_detail", pk=client.pk)
