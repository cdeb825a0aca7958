from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.org.models import Company, Depot
from apps.org.selectors import depot_list
from apps.reports.period import Period

MAX_DAYS = 800


class PeriodForm(forms.Form):
    """Which days and which depot a report covers; yesterday and the whole company by default."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput({"type": "date"})
    )
    depot = forms.ModelChoiceField(
        label=_("Depot"), queryset=Depot.objects.none(), required=False, empty_label=_("All depots")
    )

    def __init__(self, *args: object, company: Company, default_days: int = 1, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.default_days = default_days
        self.fields["depot"].queryset = depot_list(company=company, active_only=False)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        end = data.get("end") or timezone.localdate() - timedelta(days=1)
        start = data.get("start") or end - timedelta(days=self.default_days - 1)
        if start > end:
            self.add_error("start", _("The first day must not be after the last day."))
        elif (end - start).days + 1 > MAX_DAYS:
            self.add_error(
                "start", _("A report covers at most %(days)s days.") % {"days": MAX_DAYS}
            )
        data["start"], data["end"] = start, end
        return data

    def period(self) -> Period:
        """The period asked for, or the default one when the form has errors."""
        if self.is_valid():
            data = self.cleaned_data
            return Period(start=data["start"], end=data["end"], depot=data.get("depot"))
        end = timezone.localdate() - timedelta(days=1)
        return Period(start=end - timedelta(days=self.default_days - 1), end=end)
