"""Forms of the treatment-plan pages. They parse and check input shape; rules live in
``plans.services``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet

from openiop.care.models import Goal, InterventionKind, ObjectiveStatus, Problem, SkillDomain
from openiop.care.pages import DateInput, local_today
from openiop.core.forms import set_queryset
from openiop.patients.models import Enrollment
from openiop.support.models import Need, NeedStatus


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
            self.initial.setdefault("review_on", local_today() + timedelta(days=30))


class ProblemForm(forms.Form):
    description = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    icd10_code = forms.CharField(
        label="Diagnosis (ICD-10-CM code)",
        max_length=10,
        help_text="A billable code of the current ICD-10-CM code set, for example F10.20 "
        "(alcohol dependence, uncomplicated); a category heading such as F10.2 is refused.",
    )


def need_label(need: Need) -> str:
    """ "Housing (found 3 May 2026)"; a closed need says how it closed."""
    found = need.identified_on
    label = f"{need.get_kind_display()} (found {found.day} {found:%b %Y}"
    if need.status != NeedStatus.OPEN:
        label += f", {need.get_status_display().lower()}"
    return label + ")"


class NeedChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return need_label(obj)


NEED_HELP = "A social need of this patient the goal works on (open needs, or one already linked)."


class GoalForm(forms.Form):
    description = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    skill_domain = forms.ChoiceField(choices=SkillDomain.choices, label="Skill domain")
    problem = forms.ModelChoiceField(queryset=Problem.objects.none(), required=False)
    need = NeedChoiceField(
        queryset=Need.objects.none(),
        required=False,
        label="Addresses need",
        help_text=NEED_HELP,
        empty_label="No need",
    )

    def __init__(
        self, *args: Any, problems: QuerySet[Problem], needs: QuerySet[Need], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "problem", problems)
        set_queryset(self, "need", needs)


class GoalNeedForm(forms.Form):
    """Link a goal of the draft to a need it addresses, or unlink it."""

    goal = forms.ModelChoiceField(queryset=Goal.objects.none())
    need = NeedChoiceField(
        queryset=Need.objects.none(),
        required=False,
        label="Addresses need",
        help_text=NEED_HELP,
        empty_label="No need (unlink)",
    )

    def __init__(
        self, *args: Any, goals: QuerySet[Goal], needs: QuerySet[Need], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "goal", goals)
        set_queryset(self, "need", needs)


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
    signed_on = forms.DateField(widget=DateInput, label="Date signed", initial=local_today)
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
