"""Forms of the care pages. They parse and check input shape; rules live in ``services``."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from openiop.accounts.models import User
from openiop.care.models import (
    DEFAULT_PANEL,
    DischargeType,
    FamilyInvolvement,
    Goal,
    InterventionKind,
    MeetingKind,
    ObjectiveStatus,
    Problem,
    RelapseSource,
    ResultValue,
    SafetyFinding,
    ScreenMethod,
    SkillDomain,
    Specimen,
    SubstanceClass,
)
from openiop.core.forms import set_queryset
from openiop.patients.models import Enrollment


class DateInput(forms.DateInput):
    input_type = "date"


def _today() -> date:
    return timezone.localdate()


class EnrollmentChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.track.name} (from {obj.starts_on:%Y-%m-%d})"


class PlanCreateForm(forms.Form):
    enrollment = EnrollmentChoiceField(queryset=Enrollment.objects.none(), label="Enrolment")
    review_on = forms.DateField(widget=DateInput, label="First review with the patient")

    def __init__(self, *args: Any, enrollments: QuerySet[Enrollment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "enrollment", enrollments)
        if not self.is_bound:
            self.initial.setdefault("review_on", _today() + timedelta(days=30))


class ProblemForm(forms.Form):
    description = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    icd10_code = forms.CharField(
        label="Diagnosis (ICD-10-CM code)",
        max_length=10,
        help_text="For example F10.20 (alcohol use disorder, moderate or severe).",
    )


class GoalForm(forms.Form):
    description = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    skill_domain = forms.ChoiceField(choices=SkillDomain.choices, label="Skill domain")
    problem = forms.ModelChoiceField(queryset=Problem.objects.none(), required=False)

    def __init__(self, *args: Any, problems: QuerySet[Problem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "problem", problems)


class ObjectiveForm(forms.Form):
    goal = forms.ModelChoiceField(queryset=Goal.objects.none())
    description = forms.CharField(
        label="Objective", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    measure = forms.CharField(
        label="How it is measured", max_length=300, help_text="For example: 3 meetings a week."
    )
    target_on = forms.DateField(widget=DateInput, label="Target date")

    def __init__(self, *args: Any, goals: QuerySet[Goal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "goal", goals)


class InterventionForm(forms.Form):
    kind = forms.ChoiceField(choices=InterventionKind.choices, label="Intervention")
    frequency = forms.CharField(max_length=100, help_text="For example: twice a week in group.")
    responsible = forms.CharField(max_length=100, required=False)
    goal = forms.ModelChoiceField(queryset=Goal.objects.none(), required=False)

    def __init__(self, *args: Any, goals: QuerySet[Goal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "goal", goals)


class SignForm(forms.Form):
    patient_name = forms.CharField(label="Patient's name, typed as they sign", max_length=200)
    signed_on = forms.DateField(widget=DateInput, label="Date signed", initial=_today)
    attest = forms.BooleanField(
        label="I was present and the patient agreed to this plan and signed it"
    )


class ReviseForm(forms.Form):
    reason = forms.CharField(label="Why revise the plan", max_length=300)


class ObjectiveStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ObjectiveStatus.choices)


class ProgressForm(forms.Form):
    excerpt = forms.CharField(
        label="Progress documented",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Quote the note, or describe the progress in your words.",
    )
    note: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="From the note",
        help_text="A signed note about this patient (optional).",
    )

    def __init__(self, *args: Any, notes: QuerySet[Any] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if notes is None:
            del self.fields["note"]
        else:
            set_queryset(self, "note", notes)


class PrescriptionForm(forms.Form):
    medication = forms.CharField(max_length=100, help_text="For example: buprenorphine-naloxone.")
    substance_class = forms.ChoiceField(
        choices=SubstanceClass.choices, label="Detected by screens as"
    )
    prescriber = forms.CharField(max_length=200, required=False)
    starts_on = forms.DateField(widget=DateInput, label="Prescribed from")
    ends_on = forms.DateField(widget=DateInput, label="Until", required=False)


class ScreenOrderForm(forms.Form):
    method = forms.ChoiceField(choices=ScreenMethod.choices)
    specimen = forms.ChoiceField(choices=Specimen.choices, initial=Specimen.URINE)
    panel = forms.MultipleChoiceField(
        choices=SubstanceClass.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(DEFAULT_PANEL),
        label="Substance classes",
    )
    observed = forms.BooleanField(required=False, label="Observed collection")


class ScreenResultForm(forms.Form):
    collected_on = forms.DateField(widget=DateInput, label="Collected on", initial=_today)

    def __init__(self, *args: Any, panel: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for cls in panel:
            self.fields[cls] = forms.ChoiceField(
                choices=ResultValue.choices,
                widget=forms.RadioSelect,
                initial=ResultValue.NEGATIVE,
                label=str(SubstanceClass(cls).label),
            )
        self.panel = panel

    def results(self) -> dict[str, str]:
        return {cls: self.cleaned_data[cls] for cls in self.panel}


class RelapseOpenForm(forms.Form):
    source = forms.ChoiceField(
        choices=[c for c in RelapseSource.choices if c[0] != RelapseSource.POSITIVE_SCREEN],
        label="Who told us",
    )
    occurred_on = forms.DateField(widget=DateInput, label="When the use happened (best estimate)")
    substances = forms.CharField(max_length=200, required=False)
    description = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What happened, in the patient's or reporter's words",
    )


class SafetyCheckForm(forms.Form):
    findings = forms.MultipleChoiceField(
        choices=SafetyFinding.choices, widget=forms.CheckboxSelectMultiple, label="Findings"
    )
    notes = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PlanStepForm(forms.Form):
    revise = forms.BooleanField(required=False, label="Start a revision of the signed plan")
    note = forms.CharField(
        max_length=500,
        label="What changes, or why the current plan already covers this",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _staff_label(user: Any) -> str:
    return f"{user.display_name} ({user.get_role_display()})"


class NotifyForm(forms.Form):
    recipients = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple, label="Care team"
    )
    text = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 2}), label="Message"
    )

    def __init__(self, *args: Any, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "recipients", staff)
        recipients = self.fields["recipients"]
        assert isinstance(recipients, forms.ModelMultipleChoiceField)
        recipients.label_from_instance = _staff_label  # type: ignore[method-assign,assignment]


class AttendanceReportForm(forms.Form):
    attendance_percent = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=100,
        label="Attendance over the last 4 weeks, % of required hours",
        help_text="Only used when no attendance is recorded; leave empty if you do not know.",
    )

    def fraction(self) -> float | None:
        value = self.cleaned_data.get("attendance_percent")
        return None if value is None else value / 100


class DeclineForm(forms.Form):
    reason = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 2}), label="Why decline"
    )


class PeerMeetingsForm(forms.Form):
    week_start = forms.DateField(widget=DateInput, label="Week of (any day)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in MeetingKind.choices:
            self.fields[f"count_{kind}"] = forms.IntegerField(
                min_value=0, max_value=30, initial=0, label=str(label)
            )
        if not self.is_bound:
            self.initial.setdefault("week_start", _today() - timedelta(days=7))

    def counts(self) -> dict[str, int]:
        return {k: self.cleaned_data[f"count_{k}"] for k in MeetingKind.values}


class SupportForm(forms.Form):
    last_use_reported_on = forms.DateField(
        widget=DateInput, required=False, label="Last use, as the patient reports it"
    )
    has_sponsor_or_mentor = forms.BooleanField(required=False, label="Has a sponsor or mentor")
    sponsor_name = forms.CharField(max_length=200, required=False, label="Sponsor or mentor")
    sober_supports = forms.IntegerField(
        min_value=0, max_value=50, initial=0, label="Sober supports (people they can call)"
    )
    sober_supports_notes = forms.CharField(max_length=500, required=False, label="Who they are")
    family_involvement = forms.ChoiceField(choices=FamilyInvolvement.choices)
    family_notes = forms.CharField(max_length=500, required=False)


class DischargeForm(forms.Form):
    kind = forms.ChoiceField(choices=DischargeType.choices, label="Type of discharge")
    discharged_on = forms.DateField(widget=DateInput, initial=_today)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=8000)
    next_provider = forms.CharField(max_length=300, required=False, label="Next provider")
    peer_groups = forms.CharField(max_length=300, required=False)
    medications = forms.CharField(max_length=500, required=False)
    crisis_plan = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text="Who to call and what to do in a crisis (988 Suicide & Crisis Lifeline).",
    )
    follow_up_1 = forms.DateField(widget=DateInput, required=False, label="Alumni follow-up 1")
    follow_up_2 = forms.DateField(widget=DateInput, required=False, label="Alumni follow-up 2")
    follow_up_3 = forms.DateField(widget=DateInput, required=False, label="Alumni follow-up 3")
    follow_up_4 = forms.DateField(widget=DateInput, required=False, label="Alumni follow-up 4")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            today = _today()
            for i, days in enumerate((30, 91, 182, 365), start=1):
                self.initial[f"follow_up_{i}"] = today + timedelta(days=days)

    def follow_ups(self) -> list[date]:
        return [d for i in range(1, 5) if (d := self.cleaned_data.get(f"follow_up_{i}"))]


class FollowUpForm(forms.Form):
    done_on = forms.DateField(widget=DateInput, initial=_today, label="Reached on")
    outcome = forms.CharField(max_length=500, label="How they are doing")


PHASE_ROWS = ("phase-1", "phase-2", "phase-3", "step-down")


class TaperSettingsForm(forms.Form):
    """The program's phases (hours, days, minimum weeks) and main thresholds."""

    min_weeks_without_use = forms.IntegerField(min_value=1, max_value=52)
    screen_window_weeks = forms.IntegerField(min_value=1, max_value=52)
    relapse_window_weeks = forms.IntegerField(min_value=1, max_value=52)
    min_objectives_met = forms.IntegerField(min_value=0, max_value=20)
    min_peer_meetings_per_week = forms.DecimalField(min_value=0, max_value=14, decimal_places=1)
    min_sober_supports = forms.IntegerField(min_value=0, max_value=20)
    min_attendance_for_step_down = forms.DecimalField(
        min_value=Decimal("0.1"), max_value=1, decimal_places=2
    )
    require_measures = forms.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for pid in PHASE_ROWS:
            self.fields[f"{pid}:hours"] = forms.DecimalField(
                min_value=1, max_value=19, decimal_places=1, label=f"{pid}: hours a week"
            )
            self.fields[f"{pid}:days"] = forms.IntegerField(
                min_value=1, max_value=7, label=f"{pid}: days a week"
            )
            self.fields[f"{pid}:min_weeks"] = forms.IntegerField(
                min_value=0, max_value=26, label=f"{pid}: weeks before a step down"
            )
        self.fields["step-down:max_weeks"] = forms.IntegerField(
            min_value=1, max_value=26, label="step-down: at most weeks"
        )

    def phases(self, labels: dict[str, str]) -> list[dict[str, Any]]:
        data = self.cleaned_data
        out: list[dict[str, Any]] = []
        for pid in PHASE_ROWS:
            out.append(
                {
                    "id": pid,
                    "label": labels.get(pid, pid),
                    "kind": "step_down" if pid == "step-down" else "regular",
                    "hours_per_week": float(data[f"{pid}:hours"]),
                    "days_per_week": data[f"{pid}:days"],
                    "min_weeks": data[f"{pid}:min_weeks"],
                    "max_weeks": data["step-down:max_weeks"] if pid == "step-down" else None,
                }
            )
        out.append(
            {
                "id": "continuing-care",
                "label": labels.get("continuing-care", "Outpatient / continuing care"),
                "kind": "continuing_care",
                "hours_per_week": None,
                "days_per_week": None,
                "min_weeks": 0,
                "max_weeks": None,
            }
        )
        return out

    def thresholds(self) -> dict[str, Any]:
        from openiop.care.services import TAPER_SETTING_FIELDS

        return {k: self.cleaned_data[k] for k in TAPER_SETTING_FIELDS}


class MeasureScheduleForm(forms.Form):
    def __init__(self, *args: Any, instruments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for iid, name in instruments:
            self.fields[iid] = forms.IntegerField(
                required=False, min_value=1, max_value=26, label=f"{name}: every N weeks"
            )

    def schedule(self) -> dict[str, int]:
        return {k: v for k, v in self.cleaned_data.items() if v}


class ReliabilityForm(forms.Form):
    instrument = forms.ChoiceField(choices=())
    sd = forms.DecimalField(label="Standard deviation", min_value=Decimal("0.1"), max_value=100)
    reliability = forms.DecimalField(
        min_value=0, max_value=Decimal("0.999"), decimal_places=3, help_text="For example 0.89."
    )
    source = forms.CharField(max_length=300, help_text="Where the values come from.")

    def __init__(self, *args: Any, instruments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["instrument"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = instruments
