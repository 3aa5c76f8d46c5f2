"""Note pages: the group note of a session (written once, a section per attendee),
individual counselling notes (DAP, BIRP, SOAP), signing, co-signing and amendments.

A note's sections and section amendments are shown only for patients the user may see.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from openiop.core import access, audit
from openiop.core.forms import INVALID, render_form, submit
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.delivery import access as delivery_access
from openiop.delivery import formats, selectors, services, signing
from openiop.delivery.forms import (
    INDIVIDUAL_FORMATS,
    AmendForm,
    GroupNoteForm,
    IndividualNoteForm,
    PasswordForm,
)
from openiop.delivery.models import Note, NoteKind, NoteStatus
from openiop.patients.models import Patient


def group_note(request: HttpRequest, pk: int) -> HttpResponse:
    """Write (or continue) the draft group note of a session."""
    user = access.staff(request)
    session = delivery_access.session_for(user, pk, request=request)
    delivery_access.require_note_author(user, request)
    note = Note.objects.filter(session=session, kind=NoteKind.GROUP).first()
    if note is not None and note.locked:
        return redirect("delivery:note", pk=note.pk)
    attendee_ids = services.attendee_ids(session)
    visible = delivery_access.visible_patient_ids(user, attendee_ids)
    attendees = list(
        Patient.objects.filter(pk__in=[p for p in attendee_ids if p in visible]).order_by(
            "last_name", "first_name", "pk"
        )
    )
    initial: dict[str, Any] = {"topic": session.topic}
    if note is not None:
        initial.update(note.content)
        for section in note.sections.all():
            for key, value in section.content.items():
                initial[f"s{section.patient_id}-{key}"] = value
    form = GroupNoteForm(
        request.POST if request.method == "POST" else None, initial=initial, attendees=attendees
    )
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            lambda _: services.group_note_save(
                actor=user,
                session=session,
                content=form.group_content(),
                sections=form.sections(),
                request=request,
            ),
        )
        if saved is not None:
            messages.success(request, "Draft saved. Sign it when it is complete.")
            return redirect("delivery:note", pk=saved.pk)
    elif request.method == "GET":
        audit.record(
            actor=user,
            action=AuditAction.VIEW,
            object_type="delivery.note",
            object_id=str(note.pk) if note else "",
            fields=["group note"],
            request=request,
            detail=f"group note form of session {session.pk}; attendees: "
            f"{','.join(str(p.pk) for p in attendees)}"[:500],
            part2=bool(attendees),
        )
    zone = selectors.session_zone(session)
    return render_form(
        request,
        "delivery/group_note_form.html",
        {
            "form": form,
            "session": session,
            "note": note,
            "start": selectors.local(session.starts_at, zone),
            "hidden": len(attendee_ids) - len(attendees),
        },
    )


def _note_context(user: Any, note: Note) -> dict[str, Any]:
    sections = list(note.sections.select_related("patient"))
    visible = delivery_access.visible_patient_ids(user, [s.patient_id for s in sections])
    shown = [s for s in sections if s.patient_id in visible]
    amendments = [
        a
        for a in note.amendments.select_related("author", "section_patient")
        if a.section_patient_id is None or a.section_patient_id in visible
    ]
    verified = None
    if note.locked:
        verified = signing.note_digest(note, [(s.patient_id, s.content) for s in sections]) == (
            note.signed_hash
        )
    fields = formats.fields_for(note.format)
    return {
        "note": note,
        "content": [(f.label, note.content.get(f.key, "")) for f in fields],
        "sections": [
            (
                s,
                [
                    (
                        f.label,
                        dict(f.choices).get(s.content.get(f.key, ""), s.content.get(f.key, ""))
                        if f.choices
                        else s.content.get(f.key, ""),
                    )
                    for f in formats.SECTION
                ],
            )
            for s in shown
        ],
        "hidden_sections": len(sections) - len(shown),
        "amendments": amendments,
        "verified": verified,
        "is_author": note.author_id == user.pk,
        "can_cosign": services.can_cosign(user, note),
        "can_amend": note.locked and delivery_access.can_author_notes(user),
        "sign_form": PasswordForm(),
        "cosign_form": PasswordForm(),
        "amend_form": AmendForm(sections=[s.patient for s in shown]),
    }


def _audit_note(request: HttpRequest, user: Any, note: Note, patient_ids: list[int]) -> None:
    audit.record(
        actor=user,
        action=AuditAction.VIEW,
        patient=note.patient_id,
        obj=note,
        fields=["note"],
        request=request,
        detail=f"note; sections shown: {','.join(str(p) for p in patient_ids)}"[:500],
        part2=True,
    )


def note_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    note = delivery_access.note_for(user, pk, request=request)
    context = _note_context(user, note)
    _audit_note(request, user, note, [s.patient_id for s, _ in context["sections"]])
    return render(request, "delivery/note.html", context)


def _rerender(request: HttpRequest, user: Any, note: Note, **forms_: Any) -> HttpResponse:
    context = _note_context(user, note)
    context.update(forms_)
    return render(request, "delivery/note.html", context, status=INVALID)


@require_POST
def note_sign(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    note = delivery_access.note_for(user, pk, request=request)
    form = PasswordForm(request.POST)
    if form.is_valid():
        signed = submit(
            form,
            lambda data: services.note_sign(
                actor=user, note=note, password=data["password"], request=request
            ),
        )
        if signed is not None:
            messages.success(
                request,
                "Signed and locked."
                + (
                    " A supervisor must co-sign it."
                    if signed.status == NoteStatus.AWAITING_COSIGNATURE
                    else ""
                ),
            )
            return redirect("delivery:note", pk=signed.pk)
    return _rerender(request, user, note, sign_form=form)


@require_POST
def note_cosign(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    note = delivery_access.note_for(user, pk, request=request)
    form = PasswordForm(request.POST)
    if form.is_valid():
        cosigned = submit(
            form,
            lambda data: services.note_cosign(
                actor=user, note=note, password=data["password"], request=request
            ),
        )
        if cosigned is not None:
            messages.success(request, "Co-signed.")
            return redirect("delivery:note", pk=note.pk)
    return _rerender(request, user, note, cosign_form=form)


@require_POST
def note_amend(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    note = delivery_access.note_for(user, pk, request=request)
    sections = list(note.sections.select_related("patient"))
    visible = delivery_access.visible_patient_ids(user, [s.patient_id for s in sections])
    form = AmendForm(
        request.POST, sections=[s.patient for s in sections if s.patient_id in visible]
    )
    if form.is_valid():
        section_patient = None
        if form.cleaned_data.get("section_patient"):
            section_patient = access.patient_for(
                user,
                form.cleaned_data["section_patient"],
                action=Action.NOTE_WRITE,
                request=request,
            )
        amendment = submit(
            form,
            lambda data: services.note_amend(
                actor=user,
                note=note,
                reason=data["reason"],
                text=data["text"],
                password=data["password"],
                section_patient=section_patient,
                request=request,
            ),
        )
        if amendment is not None:
            messages.success(request, "Amendment added. The signed original is unchanged.")
            return redirect("delivery:note", pk=note.pk)
    return _rerender(request, user, note, amend_form=form)


def individual_note(request: HttpRequest, pk: int, note_id: int | None = None) -> HttpResponse:
    """A new or draft individual counselling note of a patient."""
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.NOTE_WRITE, request=request)
    delivery_access.require_note_author(user, request)
    note = None
    if note_id is not None:
        note = delivery_access.note_for(user, note_id, request=request)
        if note.patient_id != patient.pk or note.kind != NoteKind.INDIVIDUAL:
            raise PermissionDenied("That note is not an individual note of this patient.")
        if note.locked:
            return redirect("delivery:note", pk=note.pk)
    note_format = (
        request.POST.get("format") or request.GET.get("format") or (note.format if note else "dap")
    )
    if note_format not in formats.INDIVIDUAL:
        note_format = "dap"
    initial: dict[str, Any] = {"service_date": timezone.localdate()}
    if note is not None:
        initial = {
            "service_date": note.service_date,
            "duration_minutes": note.duration_minutes,
            **note.content,
        }
    form = IndividualNoteForm(
        request.POST if request.method == "POST" else None, initial=initial, note_format=note_format
    )
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            lambda data: services.individual_note_save(
                actor=user,
                patient=patient,
                note_format=note_format,
                service_date=data["service_date"],
                duration_minutes=data.get("duration_minutes"),
                content=form.content(),
                note=note,
                request=request,
            ),
        )
        if saved is not None:
            messages.success(request, "Draft saved. Sign it when it is complete.")
            return redirect("delivery:note", pk=saved.pk)
    elif request.method == "GET" and note is not None:
        _audit_note(request, user, note, [patient.pk])
    return render_form(
        request,
        "delivery/individual_note_form.html",
        {
            "form": form,
            "patient": patient,
            "note": note,
            "note_format": note_format,
            "formats": INDIVIDUAL_FORMATS,
        },
    )
