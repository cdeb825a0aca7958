"""Forms of the owner's message pages: a text per event and language, quiet hours, outbox filter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.orders.models import NotificationEvent, NotificationStatus, OrderSettings
from apps.orders.notifications.placeholders import MAX_LENGTH, validate_template_text


class TemplateTextForm(forms.Form):
    text = forms.CharField(
        label=_("Message text"),
        max_length=MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        strip=True,
    )

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"]
        validate_template_text(text)
        return text


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class QuietHoursForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = OrderSettings
        fields = ["quiet_hours_start", "quiet_hours_end"]
        widgets = {"quiet_hours_start": TimeInput(), "quiet_hours_end": TimeInput()}
        help_texts = {
            "quiet_hours_end": _(
                "Between these times customers get only urgent messages (their courier is on "
                "the way, or a delivery failed); the others wait until the quiet hours end. "
                "The same time twice means no quiet hours."
            )
        }


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("All")), *NotificationStatus.choices],
    )
    event = forms.ChoiceField(
        label=_("event"),
        required=False,
        choices=[("", _("All")), *NotificationEvent.choices],
    )

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}
