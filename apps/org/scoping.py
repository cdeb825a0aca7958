"""The one tenancy mechanism: the request carries its company, everything filters by it.

Views fetch objects with :func:`get_scoped_or_404`, forms subclass
:class:`CompanyScopedForm` (which also narrows every foreign-key choice), the
admin uses :class:`CompanyScopedAdmin`, the API :class:`CompanyScopedViewSetMixin`,
and jobs receive a company id explicitly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404, HttpRequest

if TYPE_CHECKING:
    from apps.org.models import Company

M = TypeVar("M", bound=models.Model)


def is_company_scoped(model: type[models.Model]) -> bool:
    return any(field.name == "company" for field in model._meta.get_fields())


def scope_queryset[M: models.Model](
    queryset: models.QuerySet[M], company: Company | None
) -> models.QuerySet[M]:
    if company is None:
        return queryset.none()
    if is_company_scoped(queryset.model):
        return queryset.filter(company=company)
    return queryset


def get_scoped_or_404[M: models.Model](
    queryset: models.QuerySet[M] | type[M], company: Company | None, **lookup: Any
) -> M:
    """Fetch one object of the request's company; another company's object is a 404."""
    if not isinstance(queryset, models.QuerySet):
        queryset = queryset._default_manager.all()
    try:
        return scope_queryset(queryset, company).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def narrow_choices(form_fields: dict[str, forms.Field], company: Company | None) -> None:
    """Limit every model-choice field to objects of the company."""
    for field in form_fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is not None:
            field.queryset = scope_queryset(queryset, company)  # type: ignore[attr-defined]


class CompanyScopedForm(forms.ModelForm):  # type: ignore[type-arg]
    """A model form bound to one company: choices are narrowed, saves stamp the company."""

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.company = company
        self.instance.company = company
        narrow_choices(self.fields, company)

    def _get_validation_exclusions(self) -> set[str]:
        # Unique constraints that include the company (SKU per company…) must be
        # checked by the form, so that a duplicate is a message and not an error.
        return super()._get_validation_exclusions() - {"company"}  # type: ignore[misc]


class CompanyScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Admin for tenant rows: staff see and edit only their current company's rows."""

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return scope_queryset(queryset, getattr(request, "company", None))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and not request.user.is_superuser:
            field.queryset = scope_queryset(field.queryset, getattr(request, "company", None))  # type: ignore[arg-type]
        return field

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and not request.user.is_superuser:
            field.queryset = scope_queryset(field.queryset, getattr(request, "company", None))  # type: ignore[arg-type]
        return field

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        exclude = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser and is_company_scoped(self.model):
            exclude.append("company")
        return exclude

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not request.user.is_superuser and is_company_scoped(self.model):
            obj.company = request.company  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)


class CompanyScopedViewSetMixin:
    """DRF viewsets: every queryset is filtered to the request's company."""

    request: Any

    def get_queryset(self) -> models.QuerySet[Any]:
        queryset = super().get_queryset()  # type: ignore[misc]
        return scope_queryset(queryset, getattr(self.request, "company", None))
