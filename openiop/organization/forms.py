"""Setup forms. Choices are always limited to the administrator's organization."""

from __future__ import annotations

from datetime import time
from typing import Any

from django import forms

from openiop.accounts.models import Role, User
from openiop.core import access, policy
from openiop.core.forms import set_queryset
from openiop.organization.models import (
    DAY_PART_FIELDS,
    DAY_PARTS,
    Program,
    Room,
    Site,
    StaffProfile,
    Track,
    Weekday,
    default_min_hours,
)
from openiop.scheduling.blocks import SLOT_TIMES

_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _add_weekly_hours(form: forms.Form) -> None:
    """One optional window a day (site-local time): fields start_<d> and end_<d>, Monday = 0."""
    for day in Weekday:
        form.fields[f"start_{day.value}"] = forms.TimeField(
            required=False, label=f"{day.label} from", widget=_TIME
        )
        form.fields[f"end_{day.value}"] = forms.TimeField(
            required=False, label=f"{day.label} until", widget=_TIME
        )


def _check_weekly_hours(form: forms.Form, data: dict[str, Any]) -> None:
    for day in Weekday:
        start, end = data.get(f"start_{day.value}"), data.get(f"end_{day.value}")
        if bool(start) != bool(end):
            form.add_error(f"end_{day.value}", f"Give both times for {day.label}, or neither.")
        elif start and end and end <= start:
            form.add_error(f"end_{day.value}", "The end must be after the start.")


def _weekly_hours(cleaned: dict[str, Any]) -> list[tuple[int, time, time]]:
    """The (weekday, start, end) windows given, in weekday order."""
    rows = []
    for day in Weekday:
        start, end = cleaned.get(f"start_{day.value}"), cleaned.get(f"end_{day.value}")
        if start and end:
            rows.append((day.value, start, end))
    return rows


class SiteForm(forms.ModelForm[Site]):
    """A site, with its own hours for the parts of the day where they differ from the
    standard (e.g. an evening from 17:30 to 20:30)."""

    class Meta:
        model = Site
        fields = [
            "name",
            "address",
            "city",
            "state",
            "zip_code",
            "timezone",
            "phone",
            *(name for part, _ in DAY_PARTS for name in DAY_PART_FIELDS[part]),
        ]
        widgets = {name: _TIME for pair in DAY_PART_FIELDS.values() for name in pair}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for part, label in DAY_PARTS:
            start_field, end_field = DAY_PART_FIELDS[part]
            start, end = SLOT_TIMES[part]
            self.fields[start_field].label = f"{label} starts"
            self.fields[end_field].label = f"{label} ends"
            self.fields[end_field].help_text = (
                f"Leave both empty for the standard {label.lower()}, "
                f"{start:%H:%M} to {end:%H:%M} (site-local time)."
            )


class ProgramForm(forms.ModelForm[Program]):
    class Meta:
        model = Program
        fields = ["site", "name", "description", "accepting_new_patients"]


class TrackForm(forms.ModelForm[Track]):
    meeting_days = forms.TypedMultipleChoiceField(
        coerce=int,
        choices=[(d.value, d.label) for d in Weekday if d != Weekday.SUN],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Meets on",
        help_text="None ticked: any day.",
    )
    meeting_parts = forms.MultipleChoiceField(
        choices=DAY_PARTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Meets in the",
        help_text="None ticked: any part of the day, at each site's hours.",
    )

    class Meta:
        model = Track
        fields = [
            "program",
            "kind",
            "name",
            "min_weekly_hours",
            "min_group",
            "max_group",
            "min_age",
            "max_age",
            "meeting_days",
            "meeting_parts",
        ]
        help_texts = {
            "min_weekly_hours": "Leave empty for the ASAM default: 9 for adults, 6 for adolescents."
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["min_weekly_hours"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("min_weekly_hours") is None and data.get("kind"):
            data["min_weekly_hours"] = default_min_hours(data["kind"])
            self.instance.min_weekly_hours = data["min_weekly_hours"]
        return data


class RoomForm(forms.ModelForm[Room]):
    class Meta:
        model = Room
        fields = ["site", "name", "capacity", "virtual"]
        help_texts = {"site": "Leave empty for a virtual (telehealth) room."}


class RoomHoursForm(forms.Form):
    """A room's weekly hours: at most one window a day, site-local time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _add_weekly_hours(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_weekly_hours(self, data)
        return data

    def availability(self) -> list[tuple[int, time, time]]:
        return _weekly_hours(self.cleaned_data)


SETUP_FORMS: dict[str, tuple[type[forms.ModelForm[Any]], str]] = {
    "sites": (SiteForm, "Sites"),
    "programs": (ProgramForm, "Programs"),
    "tracks": (TrackForm, "Tracks"),
    "rooms": (RoomForm, "Rooms"),
}


class StaffForm(forms.Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    # Staff roles only: portal accounts (patients, family) are made by invitation.
    role = forms.ChoiceField(choices=[c for c in Role.choices if c[0] in policy.ROLES])
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        required=False,
        help_text="At least 12 characters. Leave empty to keep the current password.",
    )
    can_break_glass = forms.BooleanField(
        required=False, label="Member of the emergency-access group"
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Account active")
    credentials = forms.CharField(max_length=100, required=False)
    requires_cosignature = forms.BooleanField(required=False)
    max_weekly_hours = forms.IntegerField(min_value=1, max_value=80, initial=40)
    sites = forms.ModelMultipleChoiceField(
        queryset=Site.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    programs = forms.ModelMultipleChoiceField(
        queryset=Program.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    tracks = forms.ModelMultipleChoiceField(
        queryset=Track.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Tracks this person may lead",
    )

    def __init__(
        self, *args: Any, actor: User, profile: StaffProfile | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        org = access.organization_id(actor)
        self.profile = profile
        set_queryset(self, "sites", Site.objects.filter(organization_id=org))
        set_queryset(
            self,
            "programs",
            Program.objects.filter(site__organization_id=org).select_related("site"),
        )
        set_queryset(self, "tracks", Track.objects.filter(program__site__organization_id=org))
        _add_weekly_hours(self)
        if profile is None:
            self.fields["password"].required = True
            self.fields[
                "password"
            ].help_text = "At least 12 characters; they change it after first log-in."

    def clean_username(self) -> str:
        username = str(self.cleaned_data["username"]).strip()
        clash = User.objects.filter(username__iexact=username)
        if self.profile is not None:
            clash = clash.exclude(pk=self.profile.user_id)
        if clash.exists():
            raise forms.ValidationError("This username is taken.")
        return username

    def clean_password(self) -> str:
        from django.contrib.auth import password_validation

        password = str(self.cleaned_data.get("password") or "")
        if password:
            password_validation.validate_password(password)
        return password

    def availability(self) -> list[tuple[int, time, time]]:
        return _weekly_hours(self.cleaned_data)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_weekly_hours(self, data)
        return data
