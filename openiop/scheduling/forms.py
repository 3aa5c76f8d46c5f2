"""Forms of the scheduling pages: parse and check input; the services decide."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from openiop.accounts.models import User
from openiop.scheduling import blocks as std

WEEKS_AHEAD = 8


class BuildForm(forms.Form):
    week_start = forms.DateField(
        label="Week starting (a Monday)",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The schedule covers Monday to Saturday of that week.",
    )

    def __init__(self, *args: Any, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["week_start"].initial = std.monday_of(self.today) + timedelta(days=7)

    def clean_week_start(self) -> date:
        value: date = self.cleaned_data["week_start"]
        if value.weekday() != 0:
            raise forms.ValidationError("Choose a Monday: weeks start on Monday.")
        this_week = std.monday_of(self.today)
        if value < this_week:
            raise forms.ValidationError("That week is over.")
        if value > this_week + timedelta(days=7 * WEEKS_AHEAD):
            raise forms.ValidationError(f"Plan at most {WEEKS_AHEAD} weeks ahead.")
        return value


class MoveForm(forms.Form):
    """A hand edit: move (from and to), add (to only) or remove (from only)."""

    patient = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    from_group = forms.CharField(max_length=80, required=False, label="From group")
    to_group = forms.CharField(max_length=80, required=False, label="Move to")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("from_group") and not data.get("to_group"):
            self.add_error("to_group", "Choose a group to move the patient to.")
        return data


class CounselorChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class ResolveForm(forms.Form):
    first_day = forms.DateField(
        label="Re-solve from",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Sessions before this day stay as published.",
    )
    absent = CounselorChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Counselors absent for the rest of the week",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, counselors: QuerySet[User], default_day: date, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["absent"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = counselors
        self.fields["first_day"].initial = default_day


class TelehealthForm(forms.Form):
    telehealth_ok = forms.BooleanField(
        required=False, label="May join telehealth (virtual room) groups"
    )
