from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.fleet.models import CourierRoute, RoutePlan
from apps.fleet.services.planning import END_OF_DAY, MAX_TIME_LIMIT_S
from apps.org.models import Company, Depot, StaffMember
from apps.org.selectors import depot_list


@dataclass(frozen=True)
class SlotPreset:
    key: str
    label: str | Promise
    start: time
    end: time


SLOT_PRESETS = (
    SlotPreset("day", _("All day"), time(0, 0), END_OF_DAY),
    SlotPreset("morning", _("Morning (06:00–12:00)"), time(6, 0), time(12, 0)),
    SlotPreset("afternoon", _("Afternoon (12:00–18:00)"), time(12, 0), time(18, 0)),
    SlotPreset("evening", _("Evening (18:00–24:00)"), time(18, 0), END_OF_DAY),
)
CUSTOM = "custom"


class PlanStartForm(forms.Form):
    depot: forms.ModelChoiceField[Depot] = forms.ModelChoiceField(
        label=_("depot"), queryset=Depot.objects.none(), empty_label=None
    )
    date = forms.DateField(
        label=_("date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    slot = forms.ChoiceField(
        label=_("slot"),
        choices=[(p.key, p.label) for p in SLOT_PRESETS] + [(CUSTOM, _("Custom times"))],
        initial="day",
        help_text=_("Orders whose delivery window starts in the slot are planned."),
    )
    slot_start = forms.TimeField(
        label=_("from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    slot_end = forms.TimeField(
        label=_("until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    time_limit_s = forms.IntegerField(
        label=_("time limit (seconds)"),
        min_value=1,
        max_value=MAX_TIME_LIMIT_S,
        initial=10,
        help_text=_("How long the planner searches; a few seconds are enough for a day's orders."),
    )

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        depots = depot_list(company=company, active_only=True)
        self.fields["depot"].queryset = depots  # type: ignore[attr-defined]
        self.fields["date"].initial = timezone.localdate()

    def clean_date(self) -> Any:
        day = self.cleaned_data["date"]
        if day < timezone.localdate():
            raise ValidationError(_("Routes cannot be planned for a day that has passed."))
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        slot = data.get("slot")
        if slot == CUSTOM:
            start, end = data.get("slot_start"), data.get("slot_end")
            if start is None or end is None:
                raise ValidationError(_("Give the start and the end of the slot."))
            if start >= end:
                raise ValidationError(_("The slot must end after it starts."))
        elif slot:
            preset = next(p for p in SLOT_PRESETS if p.key == slot)
            data["slot_start"], data["slot_end"] = preset.start, preset.end
        return data


class StopMoveForm(forms.Form):
    courier = forms.ModelChoiceField(
        label=_("courier"),
        queryset=StaffMember.objects.none(),
        required=False,
        empty_label=_("— not in the routes —"),
    )
    position = forms.IntegerField(label=_("position"), min_value=1, max_value=999, initial=1)

    def __init__(self, *args: Any, plan: RoutePlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        in_plan = CourierRoute.objects.filter(plan=plan).values("courier_id")
        self.fields["courier"].queryset = StaffMember.objects.filter(  # type: ignore[attr-defined]
            company_id=plan.company_id, pk__in=in_plan
        ).select_related("user")
