"""Printable records: a patient's list of what can be printed, and one page per document with
the small form before the download (a POST answering `application/pdf`).

Each document is reached through the typed getters with its read action (note: the note
getter and `note.read`; plan, discharge summary, chart summary: `care.read`; weekly
schedule: `schedule.read`): 404 out of scope, 403 by role, both audited.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from openiop.accounts.models import User
from openiop.care.models import Discharge, TreatmentPlan
from openiop.core import access, audit, policy
from openiop.core.forms import apply_validation_error, render_form
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.delivery import access as delivery_access
from openiop.patients.models import Patient
from openiop.privacy.gate import DisclosureRefused
from openiop.records import selectors, services
from openiop.records.forms import NO_CONSENT, OUTSIDE, PrintForm, monday
from openiop.records.pdf import Record

WITH_OBJECT = frozenset({"note", "plan", "discharge"})


def _denied(user: User, what: str, pk: object, request: HttpRequest) -> Http404:
    audit.record(
        actor=user,
        action=AuditAction.DENIED,
        object_type=what,
        object_id=str(pk)[:64],
        request=request,
        detail=f"{what} unknown, not of this patient, or outside the user's scope",
        part2=False,
    )
    return Http404("Not found.")


class _Draft(Exception):
    """The note is not signed yet: nothing to print."""


def _target(
    user: User, request: HttpRequest, pk: int, kind: str, obj: int | None
) -> tuple[Patient, Any]:
    """The patient and the document's object, through the getters (audited refusals)."""
    if kind not in selectors.KINDS or (obj is None) == (kind in WITH_OBJECT):
        raise _denied(user, "records.document", kind[:30], request)
    patient = access.patient_for(user, pk, action=services.ACTION[kind], request=request)
    if kind == "note":
        note = delivery_access.note_for(user, obj or 0, request=request)
        if not selectors.note_about(note, patient):
            raise _denied(user, "delivery.note", obj, request)
        if not note.locked:
            raise _Draft()
        return patient, note
    if kind == "plan":
        plan = (
            TreatmentPlan.objects.filter(pk=obj or 0, patient=patient)
            .select_related("enrollment__track", "signature_attested_by")
            .first()
        )
        if plan is None:
            raise _denied(user, "care.treatmentplan", obj, request)
        return patient, plan
    if kind == "discharge":
        found = (
            Discharge.objects.filter(pk=obj or 0, patient=patient)
            .select_related("enrollment__track", "recorded_by")
            .first()
        )
        if found is None:
            raise _denied(user, "care.discharge", obj, request)
        return patient, found
    return patient, None


def _record(
    kind: str, patient: Patient, target: Any, week: date | None, *, outside: bool
) -> Record:
    today = timezone.now().astimezone(ZoneInfo(patient.site.timezone)).date()
    if kind == "note":
        return selectors.note_record(target, patient)
    if kind == "plan":
        return selectors.plan_record(target, patient)
    if kind == "discharge":
        return selectors.discharge_record(target, patient, group_notes=not outside)
    if kind == "schedule":
        return selectors.schedule_record(patient, monday(week or today))
    return selectors.summary_record(patient, today)


def document(request: HttpRequest, pk: int, kind: str, obj: int | None = None) -> HttpResponse:
    """The form before a record is downloaded, and the download (POST)."""
    user = access.staff(request)
    try:
        patient, target = _target(user, request, pk, kind, obj)
    except _Draft:
        return render(
            request,
            "records/draft.html",
            {"message": "This note is not signed yet: only signed notes can be printed."},
            status=409,
        )
    consents = selectors.consents_for(patient)
    form = PrintForm(
        request.POST if request.method == "POST" else None,
        consents=consents,
        with_week=kind == "schedule",
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record = _record(kind, patient, target, data.get("week"), outside=data["use"] == OUTSIDE)
        printed = None
        try:
            if data["use"] == OUTSIDE:
                printed = services.record_disclose(
                    actor=user,
                    patient=patient,
                    record=record,
                    consent_id=data["consent"].pk,
                    purpose=data["purpose"],
                    obj=target,
                    request=request,
                )
            else:
                printed = services.record_print(
                    actor=user, patient=patient, record=record, obj=target, request=request
                )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except DisclosureRefused as refused:
            # Audited by the gate; nothing disclosed. The reason goes where the user clicked.
            form.add_error(None, f"The copy was not released: {refused.args[0]}")
        if printed is not None:
            today = timezone.now().astimezone(ZoneInfo(patient.site.timezone)).date()
            response = HttpResponse(printed.pdf, content_type="application/pdf")
            # The kind and the date only: no name in headers or logs.
            response["Content-Disposition"] = f'attachment; filename="{kind}-{today:%Y-%m-%d}.pdf"'
            return response
    if request.method == "GET":
        audit.record(
            actor=user,
            action=AuditAction.VIEW,
            patient=patient,
            obj=target if target is not None else patient,
            fields=[kind],
            request=request,
            detail="print form",
        )
    return render_form(
        request,
        "records/print.html",
        {
            "patient": patient,
            "kind": kind,
            "title": selectors.KINDS[kind],
            "target": target,
            "form": form,
            "has_consents": bool(consents),
            "no_consent": NO_CONSENT,
            "can_consent_read": policy.allows(user, Action.CONSENT_READ),
        },
    )


def index(request: HttpRequest, pk: int) -> HttpResponse:
    """What the user may print of this patient's record."""
    user = access.staff(request)
    patient = access.patient_for(user, pk, request=request)
    can_care = policy.allows(user, Action.CARE_READ)
    can_notes = policy.allows(user, Action.NOTE_READ)
    documents = selectors.documents_for(patient, care=can_care, notes=can_notes)
    audit.record(
        actor=user,
        action=AuditAction.VIEW,
        patient=patient,
        obj=patient,
        fields=["records"],
        request=request,
        detail="printable records",
    )
    return render(
        request,
        "records/index.html",
        {
            "patient": patient,
            "can_care": can_care,
            "can_notes": can_notes,
            "can_schedule": policy.allows(user, Action.SCHEDULE_READ),
            **documents,
        },
    )
