"""Forms of the appointments pages. Dates and times are typed in the site's local time (the
patient's site) and turned into aware instants here; the services validate everything again."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from openiop.accounts.models import User
from openiop.appointments.models import (
    AppointmentKind,
    AppointmentType,
    Attendance,
    Credential,
    Modality,
    TelehealthConsent,
)
from openiop.delivery import formats
from openiop.delivery.forms import DateInput, TimeInput
from openiop.delivery.models import NoteFormat
from openiop.organization.models import Program, Track

PRESCRIBER_KINDS = (AppointmentKind.MEDICATION.value, AppointmentKind.PSYCHIATRIC_EVALUATION.value)


def is_prescriber(user: User) -> bool:
    profile = getattr(user, "staff_profile", None)
    return bool(profile is not None and profile.prescriber)


class StaffChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A clinician, marked when they prescribe."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name}{' (prescriber)' if is_prescriber(obj) else ''}"


NEAR_YEARS = 5
OUT_OF_RANGE = "Choose a date within five years of today."


def _years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def near(day: date, today: date) -> bool:
    """Whether `day` is within five years of `today`, either way: the dates the pages, forms
    and commands accept (far dates would overflow the arithmetic of days and weeks)."""
    return _years_from(today, -NEAR_YEARS) <= day <= _years_from(today, NEAR_YEARS)


def _near_today(day: date | None, today: date) -> date | None:
    if day is not None and not near(day, today):
        raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")
    return day


def _at(day: date | None, clock: time | None, zone: ZoneInfo) -> datetime | None:
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock, tzinfo=zone)


class _When(forms.Form):
    """A local date and time at the patient's site."""

    day = forms.DateField(label="Date", widget=DateInput())
    time = forms.TimeField(label="Start time", widget=TimeInput(format="%H:%M"))

    zone: ZoneInfo

    def clean_day(self) -> date | None:
        return _near_today(self.cleaned_data.get("day"), timezone.localdate(timezone=self.zone))

    def starts_at(self) -> datetime:
        moment = _at(self.cleaned_data.get("day"), self.cleaned_data.get("time"), self.zone)
        assert moment is not None
        return moment


class BookForm(_When):
    kind = forms.ChoiceField(label="Appointment")
    staff = StaffChoice(queryset=User.objects.none(), label="With")
    telehealth = forms.BooleanField(label="By video", required=False)
    family_attendees = forms.CharField(
        label="Family members taking part",
        max_length=300,
        required=False,
        help_text="For family therapy: as named on the patient's consent.",
    )

    def __init__(
        self,
        *args: Any,
        types: list[AppointmentType],
        staff: QuerySet[User],
        zone: ZoneInfo,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.types = {t.kind: t for t in types}
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [(t.kind, f"{t.get_kind_display()} ({t.minutes} minutes)") for t in types]
        field = self.fields["staff"]
        assert isinstance(field, StaffChoice)
        field.queryset = staff
        field.help_text = "Medication management and psychiatric evaluation: a prescriber."
        self.order_fields(["kind", "staff", "day", "time", "telehealth", "family_attendees"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = self.types.get(data.get("kind", ""))
        staff = data.get("staff")
        if (
            chosen is not None
            and staff is not None
            and chosen.credential == Credential.PRESCRIBER
            and not is_prescriber(staff)
        ):
            self.add_error("staff", f"{chosen.get_kind_display()} needs a prescriber.")
        if chosen is not None and chosen.kind != AppointmentKind.FAMILY:
            data["family_attendees"] = ""
        return data


class MoveForm(_When):
    staff = StaffChoice(queryset=User.objects.none(), label="With")
    telehealth = forms.BooleanField(label="By video", required=False)

    def __init__(self, *args: Any, staff: QuerySet[User], zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        field = self.fields["staff"]
        assert isinstance(field, StaffChoice)
        field.queryset = staff


class CancelForm(forms.Form):
    reason = forms.CharField(label="Why is it cancelled?", max_length=200)


def _state_field() -> forms.CharField:
    return forms.CharField(
        label="State the patient is in",
        max_length=2,
        required=False,
        help_text="For a video visit: two letters, e.g. CT.",
        widget=forms.TextInput(
            attrs={"size": 3, "autocapitalize": "characters", "autocomplete": "off"}
        ),
    )


class CheckInForm(forms.Form):
    modality = forms.ChoiceField(choices=Modality.choices, required=False)
    patient_state = _state_field()


class AttendanceForm(forms.Form):
    """Status and local times on the appointment's day."""

    attendance = forms.ChoiceField(
        label="Attendance", choices=[c for c in Attendance.choices if c[0]]
    )
    check_in = forms.TimeField(label="Arrived at", required=False, widget=TimeInput(format="%H:%M"))
    check_out = forms.TimeField(label="Left at", required=False, widget=TimeInput(format="%H:%M"))
    modality = forms.ChoiceField(label="Seen", choices=Modality.choices, required=False)
    patient_state = _state_field()

    def __init__(self, *args: Any, day: date, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.day = day
        self.zone = zone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not near(self.day, timezone.localdate(timezone=self.zone)):
            # The appointment's own day: nothing on this form can move it.
            self.add_error(None, OUT_OF_RANGE)
        return data

    def instants(self) -> tuple[datetime | None, datetime | None]:
        return (
            _at(self.day, self.cleaned_data.get("check_in"), self.zone),
            _at(self.day, self.cleaned_data.get("check_out"), self.zone),
        )


NOTE_FORMATS = [
    (NoteFormat.DAP.value, NoteFormat.DAP.label),
    (NoteFormat.BIRP.value, NoteFormat.BIRP.label),
    (NoteFormat.SOAP.value, NoteFormat.SOAP.label),
]
MEDICATION_FORMAT = "med"


def _note_field(field: formats.NoteField) -> forms.Field:
    return forms.CharField(
        label=field.label,
        required=False,
        max_length=field.max_length,
        help_text=field.help,
        widget=forms.Textarea(attrs={"rows": 3}) if field.max_length > 200 else forms.TextInput(),
    )


class NoteForm(forms.Form):
    """The fields of one individual note format (the delivery app's formats)."""

    def __init__(self, *args: Any, note_format: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.note_format = note_format
        for field in formats.INDIVIDUAL[note_format]:
            self.fields[field.key] = _note_field(field)

    def content(self) -> dict[str, object]:
        return {
            f.key: self.cleaned_data.get(f.key, "") for f in formats.INDIVIDUAL[self.note_format]
        }


class AppointmentTypeForm(forms.Form):
    program = forms.ModelChoiceField(queryset=Program.objects.none(), label="Program")
    track = forms.ModelChoiceField(
        queryset=Track.objects.none(),
        label="Track",
        required=False,
        empty_label="Every track of the program",
    )
    kind = forms.ChoiceField(label="Appointment", choices=AppointmentKind.choices)
    minutes = forms.IntegerField(label="Minutes", min_value=15, max_value=240, initial=60)
    credential = forms.ChoiceField(
        label="Delivered by", choices=Credential.choices, initial=Credential.COUNSELOR
    )
    every_weeks = forms.IntegerField(
        label="Due every this many weeks",
        min_value=0,
        max_value=12,
        initial=1,
        help_text="1: weekly; 2: every other week; 0: only when booked by hand.",
    )
    counts_toward_hours = forms.BooleanField(
        label="Attended minutes count toward the patient's IOP day and week",
        required=False,
    )
    payer_rule = forms.CharField(
        label="The payer rule this follows",
        max_length=300,
        required=False,
        help_text="In your words, for example the section of your state Medicaid manual.",
    )
    video_allowed = forms.BooleanField(label="May be held by video", required=False, initial=True)
    active = forms.BooleanField(label="Offered", required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        programs: QuerySet[Program],
        tracks: QuerySet[Track],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        program = self.fields["program"]
        assert isinstance(program, forms.ModelChoiceField)
        program.queryset = programs
        track = self.fields["track"]
        assert isinstance(track, forms.ModelChoiceField)
        track.queryset = tracks

    def policy_fields(self) -> list[forms.BoundField]:
        return [self["counts_toward_hours"], self["payer_rule"]]

    def other_fields(self) -> list[forms.BoundField]:
        return [
            self[name] for name in self.fields if name not in ("counts_toward_hours", "payer_rule")
        ]


class VideoServiceForm(forms.Form):
    name = forms.CharField(label="Name shown to staff", max_length=80, initial="Video visit")
    url_template = forms.CharField(
        label="Meeting link",
        max_length=300,
        help_text="An https link with {key} where each visit's random key goes, for example "
        "https://meet.example.org/openiop-{key}.",
    )


class PrimaryCounselorForm(forms.Form):
    counselor = StaffChoice(queryset=User.objects.none(), label="New primary counselor")
    reason = forms.CharField(label="Reason for the change", max_length=200, required=False)

    def __init__(self, *args: Any, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["counselor"]
        assert isinstance(field, StaffChoice)
        field.queryset = staff


CONSENT_METHODS = list(TelehealthConsent._meta.get_field("method").choices or [])


class TelehealthConsentForm(forms.Form):
    method = forms.ChoiceField(
        label="How the patient consented",
        choices=CONSENT_METHODS,
    )


class WeekForm(forms.Form):
    week = forms.DateField(widget=forms.HiddenInput())

    def __init__(self, *args: Any, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean_week(self) -> date | None:
        return _near_today(self.cleaned_data.get("week"), self.today)
