"""The patient's daily check-in, due questionnaires and progress pages (`portal.self`).

Thin views: the patient is always the signed-in account's own (`portal.access.me`); writes go
through `checkins.services` and `intake.services`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from openiop.accounts.models import User
from openiop.core.forms import INVALID
from openiop.domain.screening import (
    INSTRUMENTS,
    URGENT_FLAGS,
)
from openiop.intake import services as intake_services
from openiop.intake.crisis import crisis_resources
from openiop.intake.instruments import ScreeningForm, band_label, instrument_name
from openiop.portal import access
from openiop.portal.checkins import selectors, services
from openiop.portal.checkins.forms import DailyCheckInForm, initial_from
from openiop.portal.models import DailyCheckIn, PortalAccount


def portal_user(request: HttpRequest, portal: PortalAccount) -> User:
    """The signed-in session's user (past its second factor), which `access.me` found to be
    the account's own."""
    user = request.user
    return user if isinstance(user, User) and user.pk == portal.user_id else portal.user


def _summary(form: Form) -> list[str]:
    """Each error with the question it is about, for the summary at the top of the form."""
    out = [str(e) for e in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name == "__all__":
            continue
        label = str(form.fields[name].label) if name in form.fields else ""
        for error in errors:
            e = str(error)
            out.append(e if label and label in e else f"{label}: {e}" if label else e)
    return out


def daily(request: HttpRequest) -> HttpResponse:
    portal = access.me(request)
    patient = portal.patient
    now = timezone.now()
    today = services.local_day(patient, now)
    existing = DailyCheckIn.objects.filter(patient=patient, day=today).first()
    submitted: DailyCheckIn | None = None
    status = 200
    if request.method == "POST":
        form = DailyCheckInForm(request.POST)
        if form.is_valid():
            try:
                submitted = services.daily_checkin_submit(
                    account=portal, answers=form.answers(), now=now, request=request
                )
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    form.add_error(None if key == "__all__" else key, messages)
        if submitted is None:
            status = INVALID
        else:
            existing = submitted
            form = DailyCheckInForm(initial=initial_from(submitted))
    else:
        form = DailyCheckInForm(initial=initial_from(existing))
        access.viewed(request, portal, ["daily_checkins", "measures_due"], "daily check-in")
    return render(
        request,
        "portal/checkins/daily.html",
        {
            "portal": portal,
            "form": form,
            "errors": _summary(form) if status == INVALID else [],
            "existing": existing,
            "submitted": submitted,
            "need_to_talk": existing is not None and existing.need_to_talk,
            "due": selectors.due_for(patient, today=today),
            "crisis": crisis_resources(),
            "today": today,
        },
        status=status,
    )


def measure(request: HttpRequest, instrument: str) -> HttpResponse:
    """A due questionnaire, rendered and scored by the same instrument engine as staff
    screening; only the measures due for this patient open (else an audited 404)."""
    portal = access.me(request)
    patient = portal.patient
    today = services.local_day(patient, timezone.now())
    due = {r.due.instrument for r in selectors.due_for(patient, today=today)}
    definition = INSTRUMENTS.get(instrument)
    if definition is None or definition.id not in due:
        raise access.not_found(request, portal, "portal.questionnaire", instrument)
    form = ScreeningForm(request.POST or None, instrument=definition)
    if request.method != "POST":
        access.viewed(request, portal, ["measures_due"], f"questionnaire {definition.id}")
    partial_urgent = False
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        try:
            screening = intake_services.screening_record_by_patient(
                account_user=portal_user(request, portal),
                patient=patient,
                instrument_id=definition.id,
                answers=answers,
                request=request,
            )
        except ValidationError as exc:
            partial_urgent = form.refused(exc.message_dict, answers)
        else:
            return render(
                request,
                "portal/checkins/measure_done.html",
                {
                    "name": instrument_name(screening.instrument),
                    "screening": screening,
                    "band": band_label(screening.instrument, screening.band),
                    "urgent": any(f in URGENT_FLAGS for f in screening.flags),
                    "crisis": crisis_resources(),
                },
            )
    invalid = request.method == "POST"
    return render(
        request,
        "portal/checkins/measure.html",
        {
            "instrument": definition,
            "form": form,
            "errors": _summary(form) if invalid else [],
            "partial_urgent": partial_urgent,
            "crisis": crisis_resources(),
        },
        status=INVALID if invalid else 200,
    )


def progress(request: HttpRequest) -> HttpResponse:
    portal = access.me(request)
    data = selectors.progress(portal)
    access.viewed(
        request,
        portal,
        ["measures", "attendance", "treatment_plan", "daily_checkins"],
        "progress",
    )
    return render(request, "portal/checkins/progress.html", {"portal": portal, "data": data})
