from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.fleet.models import DispatchSettings, Shift, Vehicle
from apps.fleet.selectors.setup import courier_list, vehicle_list
from apps.fleet.services.setup import shift_check
from apps.org.models import Company, StaffMember
from apps.org.scoping import CompanyScopedForm
from apps.org.selectors import depot_list


class CourierChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A courier by name, with his skills: the planner of shifts sees who may carry gas."""

    def label_from_instance(self, obj: Any) -> str:
        courier: StaffMember = obj
        skills = "、".join(courier.skill_labels)
        name = courier.user.display_name
        return f"{name}（{skills}）" if skills else name


class VehicleForm(CompanyScopedForm):
    class Meta:
        model = Vehicle
        fields = ["name", "kind", "plate", "capacity_units", "depot"]

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, company=company, **kwargs)
        self.fields["depot"].queryset = depot_list(company=company, active_only=True)  # type: ignore[attr-defined]


class ShiftForm(CompanyScopedForm):
    courier = CourierChoiceField(label=_("courier"), queryset=StaffMember.objects.none())

    class Meta:
        model = Shift
        fields = ["courier", "depot", "vehicle", "date", "starts_at", "ends_at", "break_minutes"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "ends_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, company=company, **kwargs)
        self.fields["courier"].queryset = courier_list(company=company)  # type: ignore[attr-defined]
        self.fields["depot"].queryset = depot_list(company=company, active_only=True)  # type: ignore[attr-defined]
        self.fields["vehicle"].queryset = vehicle_list(company=company, active_only=True)  # type: ignore[attr-defined]
        self.fields["vehicle"].empty_label = _("No vehicle")  # type: ignore[attr-defined]

    def validate_constraints(self) -> None:
        # The services' rules (one shift a day, a free vehicle of the depot…) in their
        # words; they need every field, so they wait until each field is valid.
        if self.errors:
            return
        try:
            shift_check(shift=self.instance)
        except ValidationError as error:
            self.add_error(None, error)


class DispatchSettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = DispatchSettings
        fields = ["policy", "grab_radius_km", "grab_timeout_minutes", "max_open_orders"]
        widgets = {"policy": forms.RadioSelect}
