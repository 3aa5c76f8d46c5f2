"""Forms of the delivery pages. Times are typed in the session site's local time and turned
into aware instants here; the services validate everything again."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from openiop.delivery import formats, letter
from openiop.delivery.models import AttendanceStatus, NoteFormat
from openiop.patients.models import Patient
from openiop.privacy.models import Consent


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


def _field_for(field: formats.NoteField, *, prefix: str = "") -> forms.Field:
    if field.choices:
        return forms.ChoiceField(
            label=field.label,
            choices=[("", "—"), *field.choices],
            required=False,
            help_text=field.help,
        )
    return forms.CharField(
        label=field.label,
        required=False,
        max_length=field.max_length,
        help_text=field.help,
        widget=forms.Textarea(attrs={"rows": 3}) if field.max_length > 200 else forms.TextInput(),
    )


class GroupNoteForm(forms.Form):
    """The group part once, then one fieldset per attendee the user may see."""

    def __init__(self, *args: Any, attendees: list[Patient], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attendees = attendees
        for field in formats.GROUP_PART:
            self.fields[field.key] = _field_for(field)
        for patient in attendees:
            for field in formats.SECTION:
                self.fields[f"s{patient.pk}-{field.key}"] = _field_for(field)

    def group_content(self) -> dict[str, object]:
        return {f.key: self.cleaned_data.get(f.key, "") for f in formats.GROUP_PART}

    def sections(self) -> dict[int, dict[str, object]]:
        return {
            p.pk: {f.key: self.cleaned_data.get(f"s{p.pk}-{f.key}", "") for f in formats.SECTION}
            for p in self.attendees
        }

    def section_rows(self) -> list[tuple[Patient, list[forms.BoundField]]]:
        return [(p, [self[f"s{p.pk}-{f.key}"] for f in formats.SECTION]) for p in self.attendees]

    def group_fields(self) -> list[forms.BoundField]:
        return [self[f.key] for f in formats.GROUP_PART]


class IndividualNoteForm(forms.Form):
    service_date = forms.DateField(widget=DateInput())
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)", min_value=1, max_value=480, required=False
    )

    def __init__(self, *args: Any, note_format: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.note_format = note_format
        for field in formats.INDIVIDUAL[note_format]:
            self.fields[field.key] = _field_for(field)

    def content(self) -> dict[str, object]:
        return {
            f.key: self.cleaned_data.get(f.key, "") for f in formats.INDIVIDUAL[self.note_format]
        }

    def format_fields(self) -> list[forms.BoundField]:
        return [self[f.key] for f in formats.INDIVIDUAL[self.note_format]]


INDIVIDUAL_FORMATS = [
    (NoteFormat.DAP.value, NoteFormat.DAP.label),
    (NoteFormat.BIRP.value, NoteFormat.BIRP.label),
    (NoteFormat.SOAP.value, NoteFormat.SOAP.label),
]


class PasswordForm(forms.Form):
    password = forms.CharField(
        label="Your password (to sign)",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
    )


class AmendForm(PasswordForm):
    section_patient = forms.TypedChoiceField(
        label="Amends", coerce=int, required=False, empty_value=None
    )
    reason = forms.CharField(label="Reason for the amendment", max_length=300)
    text = forms.CharField(label="Amendment", max_length=4000, widget=forms.Textarea)

    def __init__(self, *args: Any, sections: list[Patient], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["section_patient"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "The note as a whole (group part)")] + [
            (p.pk, f"Section of {p.last_name}, {p.first_name}") for p in sections
        ]
        self.order_fields(["section_patient", "reason", "text", "password"])


class DropInForm(forms.Form):
    patient = forms.ModelChoiceField(queryset=Patient.objects.none(), label="Patient")
    reason = forms.CharField(label="Reason", max_length=200)

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["patient"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = candidates


class AttendanceForm(forms.Form):
    """Status and local times on the session's day; empty times default to the window."""

    status = forms.ChoiceField(choices=AttendanceStatus.choices)
    check_in = forms.TimeField(label="Checked in at", required=False, widget=TimeInput())
    check_out = forms.TimeField(label="Checked out at", required=False, widget=TimeInput())

    def __init__(self, *args: Any, day: date, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.day = day
        self.zone = zone

    def _at(self, value: time | None) -> datetime | None:
        if value is None:
            return None
        return datetime.combine(self.day, value, tzinfo=self.zone)

    def instants(self) -> tuple[datetime | None, datetime | None]:
        return self._at(self.cleaned_data.get("check_in")), self._at(
            self.cleaned_data.get("check_out")
        )


class LeaveForm(forms.Form):
    starts_on = forms.DateField(label="First day of leave", widget=DateInput())
    ends_on = forms.DateField(label="Last day of leave", widget=DateInput())
    reason = forms.CharField(max_length=300)


class StepDownForm(forms.Form):
    starts_on = forms.DateField(label="Step-down starts on", widget=DateInput())
    weekly_hours = forms.DecimalField(
        label="Hours a week during the step-down",
        min_value=Decimal("0"),
        max_value=Decimal("19"),
        max_digits=4,
        decimal_places=1,
    )
    weeks = forms.TypedChoiceField(
        choices=[(1, "1 week"), (2, "2 weeks")], coerce=int, label="For (ASAM: one or two weeks)"
    )
    reason = forms.CharField(max_length=300)


class ConsentChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return letter.consent_label(obj)


class LetterForm(forms.Form):
    """A letter is made under one of the patient's recorded consents to a named recipient:
    the recipient and purpose are the consent's; the items ticked must be covered by it."""

    consent = ConsentChoice(
        queryset=None,
        label="Under the patient's written consent",
        empty_label=None,
        widget=forms.RadioSelect,
        help_text="The letter goes to the recipient named on the consent, for its purpose.",
    )
    period_start = forms.DateField(label="From", widget=DateInput())
    period_end = forms.DateField(label="To", widget=DateInput())
    include = forms.MultipleChoiceField(
        label="State in the letter (only what the consent covers)",
        choices=list(letter.ITEMS.items()),
        widget=forms.CheckboxSelectMultiple,
        initial=["dates", "hours"],
    )
    statement = forms.CharField(
        label="Diagnosis statement (only with “Diagnosis statement” ticked)",
        max_length=300,
        required=False,
    )

    def __init__(self, *args: Any, consents: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["consent"]
        assert isinstance(field, ConsentChoice)
        field.queryset = Consent.objects.filter(pk__in=[c.pk for c in consents]).order_by(
            "-recorded_at", "-id"
        )
        if len(consents) == 1:
            field.initial = consents[0].pk

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The period ends before it starts.")
        return data


class PublicCheckInForm(forms.Form):
    code = forms.CharField(label="Session code", max_length=12, min_length=6)
    mrn = forms.CharField(label="Record number", max_length=20)
    date_of_birth = forms.DateField(label="Date of birth", widget=DateInput())
    leaving = forms.TypedChoiceField(
        label="I am",
        choices=[("0", "Arriving"), ("1", "Leaving")],
        coerce=lambda v: v == "1",
        initial="0",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        )
        self.fields["mrn"].widget.attrs.update({"autocomplete": "off", "inputmode": "numeric"})
        self.fields["date_of_birth"].widget.attrs.update({"autocomplete": "off"})


class BillingRuleForm(forms.Form):
    """A program's per-diem billing rule; the bounds are checked by the service."""

    payer = forms.CharField(label="Payer", max_length=120)
    basis = forms.ChoiceField(label="The payer bills the per diem", widget=forms.RadioSelect)
    day_hours = forms.DecimalField(
        label="Daily minimum (hours attended that day)", decimal_places=1, initial=Decimal(3)
    )
    week_hours = forms.DecimalField(
        label="Weekly minimum (hours attended in the week)",
        decimal_places=1,
        initial=Decimal(9),
        help_text="Used only when the payer also requires the weekly minimum.",
    )
    min_days = forms.IntegerField(
        label="Days a week with the daily minimum",
        initial=3,
        help_text="Used only when the payer also requires the weekly minimum.",
    )
    source = forms.CharField(
        label="Where the payer sets this rule",
        max_length=300,
        help_text="A provider manual and its section, a contract clause or a web page; shown "
        "wherever the rule is applied.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from openiop.delivery.models import PerDiemBasis

        super().__init__(*args, **kwargs)
        basis = self.fields["basis"]
        assert isinstance(basis, forms.ChoiceField)
        basis.choices = PerDiemBasis.choices
