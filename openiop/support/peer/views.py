"""Peer support pages: a patient's peer contact log, the signed-in user's own contacts,
alumni events and who came.

Thin views: objects through the typed getters (scope first: 404, then the role: 403; both
audited), `support.read` to read and `support.write` to write, one service per write,
invalid input re-rendered with status 422. Reads of patient data are audited.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from openiop.core import access, audit, policy
from openiop.core.forms import render_form, submit
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.organization.selectors import programs_for_user
from openiop.support.peer import selectors, services
from openiop.support.peer.forms import AlumniEventForm, AttendanceForm, PeerContactForm

LOG_SHOWN = 200


def peer_contacts(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    writing = request.method == "POST"
    patient = access.patient_for(
        user,
        pk,
        action=Action.SUPPORT_WRITE if writing else Action.SUPPORT_READ,
        request=request,
    )
    form = PeerContactForm(request.POST or None, initial={"contacted_on": timezone.localdate()})
    if writing and form.is_valid():
        contact = submit(
            form,
            lambda data: services.peer_contact_record(
                actor=user,
                patient=patient,
                contacted_on=data["contacted_on"],
                kind=data["kind"],
                minutes=data["minutes"],
                note=data["note"],
                request=request,
            ),
        )
        if contact is not None:
            messages.success(
                request,
                "Alumni contact logged." if contact.after_discharge else "Peer contact logged.",
            )
            return redirect("support:peer_contacts", pk=patient.pk)
    if not writing:
        audit.record(
            actor=user,
            action=AuditAction.VIEW,
            patient=patient,
            obj=patient,
            fields=["peer_contacts"],
            request=request,
            detail="peer contact log",
        )
    contacts = list(selectors.patient_contacts(patient)[:LOG_SHOWN])
    return render_form(
        request,
        "support/peer/contacts.html",
        {
            "patient": patient,
            "form": form,
            "contacts": contacts,
            "can_write": policy.allows(user, Action.SUPPORT_WRITE),
        },
    )


def my_peer_contacts(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.SUPPORT_READ, request=request, object_type="support.peercontact")
    contacts = list(selectors.my_contacts(user, today=timezone.localdate()))
    audit.record(
        actor=user,
        action=AuditAction.QUERY,
        object_type="support.peercontact",
        fields=["contacted_on", "kind", "minutes", "patient"],
        request=request,
        detail=(
            "my peer contacts; shown patient ids: "
            + ",".join(sorted({str(c.patient_id) for c in contacts}))
        )[:500],
        part2=bool(contacts),
    )
    return render(
        request,
        "support/peer/my_contacts.html",
        {"contacts": contacts, "days": selectors.MY_CONTACT_DAYS},
    )


def alumni_events(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    writing = request.method == "POST"
    policy.require(
        user,
        Action.SUPPORT_WRITE if writing else Action.SUPPORT_READ,
        request=request,
        object_type="support.alumnievent",
    )
    programs = programs_for_user(user)
    form = AlumniEventForm(request.POST or None, programs=programs)
    if writing and form.is_valid():
        event = submit(
            form,
            lambda data: services.alumni_event_create(
                actor=user,
                program=data["program"],
                title=data["title"],
                # The time typed is the clock of the program's site.
                starts_at=data["starts_at"].replace(tzinfo=ZoneInfo(data["program"].site.timezone)),
                place=data["place"],
                description=data["description"],
                request=request,
            ),
        )
        if event is not None:
            messages.success(request, "Event created.")
            return redirect("support:alumni_event", pk=event.pk)
    return render_form(
        request,
        "support/peer/alumni_events.html",
        {
            "events": list(selectors.events_for_user(user)),
            "form": form,
            "can_write": policy.allows(user, Action.SUPPORT_WRITE),
        },
    )


def alumni_event(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    writing = request.method == "POST"
    event = selectors.event_for(
        user,
        pk,
        action=Action.SUPPORT_WRITE if writing else Action.SUPPORT_READ,
        request=request,
    )
    alumni = selectors.alumni_of(event.program, user)
    # The list offers only those not on it yet; a posted duplicate still reaches the service,
    # which says so.
    form = AttendanceForm(
        request.POST or None,
        alumni=alumni if writing else alumni.exclude(alumni_attendance__event=event),
    )
    if writing and form.is_valid():
        attendance = submit(
            form,
            lambda data: services.alumni_attendance_record(
                actor=user, event=event, patient=data["patient"], request=request
            ),
        )
        if attendance is not None:
            messages.success(request, "Attendance recorded.")
            return redirect("support:alumni_event", pk=event.pk)
    shown, others = selectors.attendees(event, user)
    if not writing:
        audit.record(
            actor=user,
            action=AuditAction.VIEW,
            obj=event,
            fields=["attendance"],
            request=request,
            detail=(
                "alumni event attendance; shown patient ids: "
                + ",".join(str(a.patient_id) for a in shown)
            )[:500],
            part2=bool(shown),
        )
    return render_form(
        request,
        "support/peer/alumni_event.html",
        {
            "event": event,
            "attendance": shown,
            "others": others,
            "form": form,
            "can_write": policy.allows(user, Action.SUPPORT_WRITE),
        },
    )


@require_POST
def alumni_attendance_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    attendance = selectors.attendance_for(user, pk, action=Action.SUPPORT_WRITE, request=request)
    try:
        services.alumni_attendance_remove(actor=user, attendance=attendance, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Attendance removed.")
    return redirect("support:alumni_event", pk=attendance.event_id)
