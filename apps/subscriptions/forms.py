from __future__ import annotations

from typing import Any

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Product
from apps.core.money import YuanField
from apps.customers.models import Customer
from apps.ledger.services import method_choices
from apps.org.models import Company
from apps.org.scoping import CompanyScopedForm
from apps.subscriptions.models import ChangeKindChoice, Plan, PlanItem, ScheduleKind, TermKind
from apps.subscriptions.schedule import ChangeKind

SELF_SERVICE_KINDS = (ChangeKind.SKIP, ChangeKind.PAUSE, ChangeKind.SWAP, ChangeKind.QUANTITY)
STAFF_KINDS = (*SELF_SERVICE_KINDS, ChangeKind.RESUME, ChangeKind.EXTRA, ChangeKind.POSTPONE)


class CalendarChangeForm(forms.Form):
    kind = forms.ChoiceField(label=_("change"))
    day = forms.DateField(label=_("from"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(
        label=_("until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    quantity = forms.IntegerField(label=_("quantity"), required=False, min_value=1, max_value=50)
    product = forms.ModelChoiceField(
        label=_("product instead"), queryset=Product.objects.none(), required=False
    )

    def __init__(
        self, *args: Any, company: Company, kinds: tuple[str, ...] = STAFF_KINDS, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(ChangeKindChoice.choices)
        self.fields["kind"].choices = [(kind, labels[kind]) for kind in kinds]  # type: ignore[attr-defined]
        self.fields["product"].queryset = Product.objects.filter(  # type: ignore[attr-defined]
            company=company, is_active=True, category__in=("milk", "water")
        ).order_by("name")


class SellForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("customer"), queryset=Customer.objects.none())
    plan = forms.ModelChoiceField(label=_("plan"), queryset=Plan.objects.none())
    start_date = forms.DateField(label=_("starts"), widget=forms.DateInput(attrs={"type": "date"}))
    quantity = forms.IntegerField(
        label=_("sets per delivery"), min_value=1, max_value=50, initial=1
    )
    method = forms.ChoiceField(label=_("paid by"))
    auto_renew = forms.BooleanField(label=_("renew automatically"), required=False)

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.filter(company=company).order_by("name")  # type: ignore[attr-defined]
        self.fields["plan"].queryset = Plan.objects.filter(company=company, is_active=True)  # type: ignore[attr-defined]
        self.fields["method"].choices = method_choices()  # type: ignore[attr-defined]


class RenewForm(forms.Form):
    method = forms.ChoiceField(label=_("paid by"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = method_choices()  # type: ignore[attr-defined]


class CompanyPauseForm(forms.Form):
    day = forms.DateField(label=_("from"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("until"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("reason"), max_length=200, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("why"), max_length=200)


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class PlanForm(CompanyScopedForm):
    price_fen = YuanField(label=_("price per unit"))
    weekdays = forms.TypedMultipleChoiceField(
        label=_("weekdays"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    month_days = forms.CharField(
        label=_("days of the month"),
        required=False,
        help_text=_("Separated by commas, e.g. 1, 15, 31 (31: the last day of every month)."),
    )

    class Meta:
        model = Plan
        fields = [
            "name",
            "schedule",
            "weekdays",
            "interval_days",
            "month_days",
            "slot",
            "term",
            "deliveries",
            "ticket_package",
            "term_days",
            "price_fen",
            "skip_rule",
            "is_active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["month_days"] = ", ".join(str(d) for d in self.instance.month_days or [])

    def clean_month_days(self) -> list[int]:
        text = self.cleaned_data.get("month_days") or ""
        try:
            days = sorted(
                {int(part) for part in text.replace("，", ",").split(",") if part.strip()}
            )
        except ValueError:
            raise forms.ValidationError(_("Write days of the month as numbers.")) from None
        if any(not 1 <= day <= 31 for day in days):
            raise forms.ValidationError(_("Days of the month go from 1 to 31."))
        return days

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rules = {
            ScheduleKind.CHOSEN_WEEKDAYS: ("weekdays", _("Choose at least one weekday.")),
            ScheduleKind.MONTH_DAYS: ("month_days", _("Give at least one day of the month.")),
        }
        needed = rules.get(data.get("schedule", ""))
        if needed and not data.get(needed[0]):
            self.add_error(needed[0], needed[1])
        if data.get("term") == TermKind.CARD:
            for name in ("deliveries", "ticket_package"):
                if not data.get(name):
                    self.add_error(name, _("A card plan needs this."))
        if data.get("term") == TermKind.PREPAID and not data.get("term_days"):
            self.add_error("term_days", _("A prepaid plan needs this."))
        return data


PlanItemFormSet = inlineformset_factory(
    Plan,
    PlanItem,
    fields=["product", "quantity"],
    extra=2,
    can_delete=True,
    min_num=1,
    validate_min=True,
)
