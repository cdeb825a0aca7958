"""List and edit pages for a company's reference data (depots, products, price lists…).

Business actions have their own services; reference data is saved by its
company-scoped form inside one transaction. A :class:`Crud` describes one kind
of row once and yields its list page, its create/edit page and their URLs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db import models, transaction
from django.forms import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from apps.org.access import section_required
from apps.org.scoping import CompanyScopedForm, get_scoped_or_404, narrow_choices, scope_queryset


@dataclass(frozen=True)
class Column:
    label: str | Promise
    attr: str
    money: bool = False


@dataclass(frozen=True)
class Crud:
    section: str
    name: str
    model: type[models.Model]
    form_class: type[CompanyScopedForm]
    columns: tuple[Column, ...]
    plural_url: str
    inline_formset: type[BaseInlineFormSet[Any, Any, Any]] | None = None
    select_related: tuple[str, ...] = field(default_factory=tuple)

    @property
    def verbose_name(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def verbose_name_plural(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    def url_name(self, action: str) -> str:
        return f"{self.name}_{action}"

    def list_view(self, request: HttpRequest) -> HttpResponse:
        rows = self.model._default_manager.all()
        if self.select_related:
            rows = rows.select_related(*self.select_related)
        rows = scope_queryset(rows, request.company)  # type: ignore[attr-defined]
        return render(request, "core/list_page.html", {"crud": self, "rows": rows})

    def edit_view(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        company = request.company  # type: ignore[attr-defined]
        instance = get_scoped_or_404(self.model, company, pk=pk) if pk else None
        form = self.form_class(
            request.POST or None, request.FILES or None, instance=instance, company=company
        )
        formset = self._formset(request, form.instance)
        if request.method == "POST" and form.is_valid() and (formset is None or formset.is_valid()):
            saved = self._save(form, formset)
            messages.success(request, _("“%(object)s” was saved.") % {"object": saved})
            return redirect(self._list_url(request))
        title = _("Edit %(thing)s") if instance else _("New %(thing)s")
        return render(
            request,
            "core/form_page.html",
            {
                "form": form,
                "formset": formset,
                "title": title % {"thing": self.verbose_name},
                "cancel_url": self._list_url(request),
            },
        )

    def _formset(self, request: HttpRequest, instance: models.Model) -> Any:
        if self.inline_formset is None:
            return None
        formset = self.inline_formset(request.POST or None, instance=instance)
        for form in [*formset.forms, formset.empty_form]:
            narrow_choices(form.fields, request.company)  # type: ignore[attr-defined]
        return formset

    @staticmethod
    def _save(form: CompanyScopedForm, formset: Any) -> models.Model:
        with transaction.atomic():
            saved = form.save()
            if formset is not None:
                formset.instance = saved
                for item in formset.save(commit=False):
                    item.company = form.company
                    item.save()
                for removed in formset.deleted_objects:
                    removed.delete()
        return saved

    def _list_url(self, request: HttpRequest) -> str:
        namespace = request.resolver_match.namespace if request.resolver_match else ""
        return reverse(f"{namespace}:{self.url_name('list')}")

    def urls(self) -> list[URLPattern]:
        guard: Callable[..., Any] = section_required(self.section)
        list_view = guard(self.list_view)
        edit_view = guard(self.edit_view)
        return [
            path(f"{self.plural_url}/", list_view, name=self.url_name("list")),
            path(f"{self.plural_url}/new/", edit_view, name=self.url_name("create")),
            path(f"{self.plural_url}/<int:pk>/", edit_view, name=self.url_name("edit")),
        ]
