"""The admission's "State reporting details" page: what the state's treatment episode report
(SAMHSA TEDS) asks that OpenIOP does not otherwise record. Form, service and view.

Who may edit: those who admit (``Action.ADMISSION_ADMIT``: the intake team and clinicians),
since these answers are taken at admission with the rest of the intake. Every answer is
optional; an empty one shows as "not collected" and the state extract names it when the
state requires it. Codes: ``openiop.domain.teds``; the page shows only OpenIOP's words.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from openiop.accounts.models import User
from openiop.core import access, audit, policy
from openiop.core.forms import render_form, submit
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.intake.models import Admission, StateReportingDetails

FIELDS = [
    "first_contact_on",
    "referral_source",
    "referral_detail",
    "race",
    "ethnicity",
    "marital",
    "veteran",
    "pregnant",
    "education_years",
    "employment",
    "not_in_labor_force",
    "living",
    "income",
    "insurance",
    "payment",
    "prior_episodes",
    "substance_1",
    "route_1",
    "frequency_1",
    "first_use_age_1",
    "substance_2",
    "route_2",
    "frequency_2",
    "first_use_age_2",
    "substance_3",
    "route_3",
    "frequency_3",
    "first_use_age_3",
    "opioid_medication",
    "co_occurring",
    "arrests_30d",
    "self_help_30d",
]
LABELS = {
    "first_contact_on": "First asked for treatment on",
    "referral_source": "Who referred",
    "referral_detail": "Who referred, more exactly",
    "race": "Race",
    "ethnicity": "Hispanic or Latino origin",
    "marital": "Marital status",
    "veteran": "Veteran",
    "pregnant": "Pregnant at admission",
    "education_years": "Years of school completed",
    "employment": "Employment",
    "not_in_labor_force": "If not looking for work",
    "living": "Living arrangement",
    "income": "Main source of income",
    "insurance": "Health insurance",
    "payment": "Expected source of payment",
    "prior_episodes": "Earlier substance use treatment episodes",
    "substance_1": "Main substance",
    "route_1": "How used",
    "frequency_1": "How often, past month",
    "first_use_age_1": "Age at first use",
    "substance_2": "Second substance",
    "route_2": "How used",
    "frequency_2": "How often, past month",
    "first_use_age_2": "Age at first use",
    "substance_3": "Third substance",
    "route_3": "How used",
    "frequency_3": "How often, past month",
    "first_use_age_3": "Age at first use",
    "opioid_medication": "Medication for opioid use disorder planned",
    "co_occurring": "Mental health condition as well",
    "arrests_30d": "Arrests in the past 30 days",
    "self_help_30d": "Self-help group attendance, past 30 days",
}
HELP = {
    "first_contact_on": "Only if before the referral arrived: days waiting count from here.",
    "referral_source": "Only when the admission has no referral recorded.",
    "referral_detail": "Needed when the referral came from a court or an employer, or "
    "from another source.",
    "education_years": "12 for high school or GED, 16 for a four-year degree.",
    "first_use_age_1": "For alcohol, the age first drunk.",
}
NUMBER_LIMITS = {
    "education_years": 25,
    "prior_episodes": 99,
    "first_use_age_1": 95,
    "first_use_age_2": 95,
    "first_use_age_3": 95,
    # A count over 30 days: at most one arrest a day (program policy). The state's code list
    # goes to 96; the mapping to its codes stays in ``openiop.domain.teds``.
    "arrests_30d": 30,
}
# Words shown instead of the stored label, where the label carries the state's wording
# (the value, and so the code the state receives, is unchanged).
SHOWN = {"race": {"alaska_native": "Alaska Native"}}
# Where a referral source leaves room for a more exact one, and which (the others conflict).
DETAIL_FOR = {
    "court_employer": {"court", "employer"},
    "other": {"court", "employer", "school", "community"},
}
ORDINAL = {1: "main", 2: "second", 3: "third"}
NOT_COLLECTED = "Not collected"


class StateReportingForm(forms.ModelForm[StateReportingDetails]):
    class Meta:
        model = StateReportingDetails
        fields = FIELDS
        labels = LABELS
        help_texts = HELP
        widgets = {"first_contact_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, admission: Admission | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.admission = admission
        for name, field in self.fields.items():
            field.required = False
            if isinstance(field, forms.ChoiceField):
                shown = SHOWN.get(name, {})
                kept = [
                    (value, shown.get(str(value), text))
                    for value, text in list(field.choices)  # type: ignore[arg-type]
                    if value != ""
                ]
                field.choices = [("", NOT_COLLECTED), *kept]
            if name in NUMBER_LIMITS:
                field.widget.attrs.update({"min": 0, "max": NUMBER_LIMITS[name]})

    def clean(self) -> dict[str, Any]:
        """The range, date and cross-field checks on the answers that did parse, so every
        error shows in one round (the service checks again on save)."""
        data = super().clean() or {}
        if self.admission is not None:
            parsed = {n: data.get(n) for n in FIELDS if n not in self.errors}
            for name, message in _errors(self.admission, parsed).items():
                if name not in self.errors:
                    self.add_error(name, message)
        return data


def not_collected(details: StateReportingDetails | None, admission: Admission) -> list[str]:
    """The labels of the answers that apply and are not recorded yet (a referral recorded
    makes the source and first contact known; answers about a substance apply once it is
    named; pregnancy not for a male patient; the detail of not working only for someone
    not looking for work)."""

    def value(name: str) -> Any:
        return getattr(details, name, None) if details is not None else None

    skip = set()
    if admission.referral_id is not None:
        skip |= {"referral_source", "first_contact_on"}
    source = (
        admission.referral.source if admission.referral is not None else value("referral_source")
    )
    if source not in ("court_employer", "other"):
        skip.add("referral_detail")
    if admission.patient.sex_at_birth == "male":
        skip.add("pregnant")
    if value("employment") != "not_in_labor_force":
        skip.add("not_in_labor_force")
    for i in (1, 2, 3):
        if value(f"substance_{i}") in (None, "", "none"):
            skip |= {f"route_{i}", f"frequency_{i}", f"first_use_age_{i}"}
        if i > 1 and value(f"substance_{i - 1}") in (None, "", "none"):
            skip.add(f"substance_{i}")
    ordinal = {"1": "main", "2": "second", "3": "third"}
    missing = []
    for name in FIELDS:
        if name in skip or value(name) not in (None, ""):
            continue
        label = LABELS[name]
        if name[-2:] in ("_1", "_2", "_3") and not name.startswith("substance"):
            label = f"{label} ({ordinal[name[-1]]} substance)"
        missing.append(label)
    return missing


def _errors(admission: Admission, data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    born: date = admission.patient.date_of_birth
    # Age on the admission day: years, less one when the birthday is still to come that year.
    on = admission.starts_on
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for name, top in NUMBER_LIMITS.items():
        value = data.get(name)
        if value is not None and not 0 <= value <= top:
            errors[name] = f"Give a number from 0 to {top}."
        elif value is not None and name.startswith("first_use_age") and value > age:
            errors[name] = "This is older than the patient was at admission."
    first = data.get("first_contact_on")
    if first is not None and first > admission.starts_on:
        errors["first_contact_on"] = "This is after the admission."
    if data.get("not_in_labor_force") and data.get("employment") != "not_in_labor_force":
        errors["not_in_labor_force"] = "Only for someone not looking for work."
    if data.get("pregnant") == "yes" and admission.patient.sex_at_birth == "male":
        errors["pregnant"] = "The patient's sex at birth is male."
    for i in (2, 3):
        if data.get(f"substance_{i}") and not data.get(f"substance_{i - 1}"):
            errors[f"substance_{i}"] = "Record the substances in order, the main one first."
        elif data.get(f"substance_{i}") not in (None, "", "none") and (
            data.get(f"substance_{i - 1}") == "none"
        ):
            errors[f"substance_{i}"] = (
                f'The {ORDINAL[i - 1]} substance is "None": there cannot be a {ORDINAL[i]} one.'
            )
    for i in (1, 2, 3):
        if data.get(f"substance_{i}") != "none":
            continue
        for name in (f"route_{i}", f"frequency_{i}", f"first_use_age_{i}"):
            if data.get(name) not in (None, "") and name not in errors:
                errors[name] = (
                    f'The {ORDINAL[i]} substance is "None": leave "{LABELS[name]}" '
                    "empty, or name the substance."
                )
    source = (
        admission.referral.source if admission.referral is not None else data.get("referral_source")
    )
    detail = data.get("referral_detail")
    if detail and source and detail not in DETAIL_FOR.get(source, set()):
        errors["referral_detail"] = (
            f'This does not fit who referred ("{_label("referral_source", source)}"): '
            f'"{_label("referral_detail", detail)}" is a different source. Clear one of them.'
        )
    return errors


def _label(name: str, value: str) -> str:
    """The words shown for a stored choice."""
    field = StateReportingDetails._meta.get_field(name)
    return str(dict(field.choices or []).get(value, value))  # type: ignore[union-attr]


@service
def state_details_save(
    *,
    actor: User,
    admission: Admission,
    data: dict[str, Any],
    request: HttpRequest | None = None,
) -> StateReportingDetails:
    """Record or change the admission's state reporting details (all optional)."""
    policy.require(
        actor, Action.ADMISSION_ADMIT, request=request, patient=admission.patient, obj=admission
    )
    clean: dict[str, Any] = {}
    for name in FIELDS:
        text = isinstance(StateReportingDetails._meta.get_field(name), models.CharField)
        value = data.get(name)
        clean[name] = (value or "") if text else value
    errors = _errors(admission, clean)
    if errors:
        raise ValidationError(errors)
    details = StateReportingDetails.objects.filter(admission=admission).first()
    created = details is None
    if details is None:
        details = StateReportingDetails(admission=admission)
    changed = [n for n in FIELDS if getattr(details, n) != clean[n]]
    for name, value in clean.items():
        setattr(details, name, value)
    details.updated_by = actor
    details.updated_at = timezone.now()
    details.save()
    audit.record(
        actor=actor,
        action=AuditAction.ADD if created else AuditAction.CHANGE,
        patient=admission.patient,
        obj=details,
        fields=changed,
        request=request,
        detail="state reporting details of an admission",
        part2=True,
    )
    return details


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    admission = (
        Admission.objects.select_related("patient", "program", "referral").filter(pk=pk).first()
    )
    # An unknown admission is refused like a patient out of reach: an audited 404.
    patient = access.patient_for(
        user,
        admission.patient_id if admission else 0,
        action=Action.ADMISSION_ADMIT,
        request=request,
    )
    assert admission is not None
    details = StateReportingDetails.objects.filter(admission=admission).first()
    form = StateReportingForm(request.POST or None, instance=details, admission=admission)
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            lambda data: state_details_save(
                actor=user, admission=admission, data=data, request=request
            ),
        )
        if saved is not None:
            messages.success(request, "State reporting details saved.")
            return redirect("patients:chart_tab", pk=patient.pk, tab="intake")
    if request.method == "GET":
        audit.record(
            actor=user,
            action=AuditAction.VIEW,
            patient=patient,
            obj=details or admission,
            fields=FIELDS,
            request=request,
            detail="state reporting details form",
            part2=True,
        )
    return render_form(
        request,
        "intake/state_reporting.html",
        {
            "patient": patient,
            "admission": admission,
            "form": form,
            "not_collected": not_collected(details, admission),
        },
    )
