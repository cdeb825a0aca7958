from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.customers.models import CustomerStatus, Tag
from apps.org.models import Company


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Customer file"),
        help_text=_(
            "CSV (UTF-8 or GBK) or Excel .xlsx, at most 5 MB; the first row names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )


class ExportForm(forms.Form):
    FORMATS = [("xlsx", "Excel (.xlsx)"), ("csv", "CSV (UTF-8)")]

    status = forms.ChoiceField(
        label=_("status"), choices=[("", _("All")), *CustomerStatus.choices], required=False
    )
    tag = forms.ModelChoiceField(
        label=_("tag"), queryset=Tag.objects.none(), required=False, empty_label=_("All")
    )
    file_type = forms.ChoiceField(
        label=_("File type"), choices=FORMATS, initial="xlsx", required=False
    )

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = Tag.objects.filter(company=company)  # type: ignore[attr-defined]
