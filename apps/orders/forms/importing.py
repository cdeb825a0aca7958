"""Forms of the order import: the file and the window for rows that name none."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.orders.windows import Window, window_choices

DEFAULT_WINDOW_KEY = "tomorrow-am"


class DefaultWindowForm(forms.Form):
    window = forms.ChoiceField(
        label=_("Default delivery window"),
        help_text=_("For rows whose date or window cells are empty."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.windows = {window.key: window for window in window_choices()}
        field = self.fields["window"]
        field.choices = [(w.key, w.label) for w in self.windows.values()]  # type: ignore[attr-defined]
        field.initial = DEFAULT_WINDOW_KEY

    def default_window(self) -> Window:
        return self.windows[self.cleaned_data["window"]]


class OrderImportUploadForm(DefaultWindowForm):
    file = forms.FileField(
        label=_("Order file"),
        help_text=_(
            "CSV (UTF-8 or GBK) or Excel .xlsx, at most 5 MB; the first row names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )
    field_order = ["file", "window"]


def window_options(data: Any) -> DefaultWindowForm:
    """The default window asked for, else the usual one (a slot of today may have passed)."""
    form = DefaultWindowForm(data)
    if not form.is_valid():
        form = DefaultWindowForm({"window": DEFAULT_WINDOW_KEY})
        form.is_valid()
    return form
