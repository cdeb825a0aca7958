from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from apps.orders.services.lifecycle import Actor
from apps.org.models import Company


def company_of(request: HttpRequest) -> Company:
    return request.company  # type: ignore[attr-defined, no-any-return]


def actor_of(request: HttpRequest) -> Actor:
    return Actor(user=request.user)


def report_refusal(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def report_form_errors(request: HttpRequest, form: forms.Form) -> None:
    """Errors of a small inline form become messages (the form lives in a panel of a bigger page)."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for text in errors:
            messages.error(request, f"{label}：{text}" if label else str(text))
