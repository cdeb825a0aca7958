"""The owner's message pages: texts per event and language, quiet hours, and the outbox."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.orders.forms.notifications import MessageFilterForm, QuietHoursForm, TemplateTextForm
from apps.orders.models import Notification, NotificationEvent, NotificationTemplate
from apps.orders.notifications.channels import channel_label, configured_channel_name
from apps.orders.notifications.placeholders import PLACEHOLDERS, default_text, render_text
from apps.orders.services import notifications as services
from apps.orders.views.common import company_of, report_refusal
from apps.org.access import roles_required
from apps.org.models import Role
from apps.org.scoping import get_scoped_or_404

owners_only = roles_required(frozenset({Role.OWNER}))
LANGUAGE_NAMES = dict(settings.LANGUAGES)


@dataclass(frozen=True)
class TextCell:
    language: str
    language_name: str
    text: str
    custom: bool


@owners_only
def template_list(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    custom = {
        (t.event, t.language): t.text for t in NotificationTemplate.objects.filter(company=company)
    }
    rows = []
    for event, label in NotificationEvent.choices:
        cells = []
        for language, name in LANGUAGE_NAMES.items():
            with translation.override(language):
                text = custom.get((event, language)) or default_text(event)
            cells.append(TextCell(language, str(name), text, (event, language) in custom))
        rows.append((event, label, cells))
    return render(
        request,
        "orders/messages/template_list.html",
        {
            "tab": "texts",
            "rows": rows,
            "channel": channel_label(configured_channel_name()),
            "quiet": services.order_settings_for(company),
        },
    )


def _preview(request: HttpRequest, text: str, language: str) -> str:
    with translation.override(language):
        try:
            return render_text(text, services.sample_values(company_of(request)))
        except ValidationError:
            return ""


@owners_only
def template_edit(request: HttpRequest, event: str, language: str) -> HttpResponse:
    if event not in NotificationEvent.values or language not in LANGUAGE_NAMES:
        raise Http404
    company = company_of(request)
    with translation.override(language):
        default = default_text(event)
    saved = NotificationTemplate.objects.filter(company=company, event=event, language=language)
    current = saved.values_list("text", flat=True).first() or default
    action = request.POST.get("action", "save")
    if request.method == "POST" and action == "reset":
        services.notification_template_reset(company=company, event=event, language=language)
        messages.success(request, _("The message uses the built-in text again."))
        return redirect("orders:template_list")
    form = TemplateTextForm(request.POST or None, initial={"text": current})
    preview = "" if form.is_bound else _preview(request, current, language)
    if form.is_bound and form.is_valid():
        text = form.cleaned_data["text"]
        preview = _preview(request, text, language)
        if action == "save":
            services.notification_template_save(
                company=company, event=event, language=language, text=text
            )
            messages.success(request, _("The message text was saved."))
            return redirect("orders:template_list")
    return render(
        request,
        "orders/messages/template_edit.html",
        {
            "tab": "texts",
            "form": form,
            "event_label": NotificationEvent(event).label,
            "language_name": LANGUAGE_NAMES[language],
            "default": default,
            "is_custom": saved.exists(),
            "preview": preview,
            "placeholders": PLACEHOLDERS.items(),
        },
    )


@owners_only
def message_list(request: HttpRequest) -> HttpResponse:
    form = MessageFilterForm(request.GET or None)
    rows = Notification.objects.filter(company=company_of(request), **form.filters())
    page = Paginator(rows.select_related("order"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/messages/message_list.html",
        {"tab": "outbox", "form": form, "page": page},
    )


@owners_only
@require_POST
def message_retry(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_scoped_or_404(Notification, company_of(request), pk=pk)
    try:
        services.notification_retry(notification=notification)
    except ValidationError as error:
        report_refusal(request, error)
    else:
        messages.success(request, _("The message will be sent again."))
    return redirect("orders:message_list")


@owners_only
def order_settings(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    form = QuietHoursForm(request.POST or None, instance=services.order_settings_for(company))
    if request.method == "POST" and form.is_valid():
        services.quiet_hours_set(
            company=company,
            start=form.cleaned_data["quiet_hours_start"],
            end=form.cleaned_data["quiet_hours_end"],
        )
        messages.success(request, _("The quiet hours were saved."))
        return redirect("orders:order_settings")
    return render(request, "orders/messages/order_settings.html", {"tab": "quiet", "form": form})
