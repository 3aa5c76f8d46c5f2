"""Staff pages of session delivery: today, this week, rosters and attendance, leave,
step-down and the proof-of-attendance letter. Notes are in views_notes.py.

Every view gets the user from `access.staff`, sessions from `delivery.access.session_for`
and patients from `access.patient_for`; pages that show patient data write one audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from openiop.appointments.access import patient_shown, with_patient_in_scope
from openiop.appointments.models import Appointment, AppointmentStatus, Modality
from openiop.core import access, audit, htmx, policy
from openiop.core.forms import INVALID, render_form, submit
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.delivery import access as delivery_access
from openiop.delivery import codes, selectors, services, weekly
from openiop.delivery.forms import (
    AttendanceForm,
    DropInForm,
    LeaveForm,
    LetterForm,
    StepDownForm,
)
from openiop.delivery.hours import monday_of
from openiop.delivery.letter import letter_consents
from openiop.delivery.models import AttendanceStatus, Note, NoteKind
from openiop.privacy.gate import DisclosureRefused
from openiop.scheduling.models import GroupSession, SessionStatus


def _parse_day(raw: str | None, default: date) -> date:
    if not raw:
        return default
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise Http404("Not a date.") from exc
    if abs((day - default).days) > 5 * 366:
        # The pages link to the day before and after: a year 9999 would overflow.
        raise Http404("Choose a date within five years of today.")
    return day


def _audit_query(
    request: HttpRequest, user: Any, patient_ids: list[int], detail: str, fields: list[str]
) -> None:
    audit.record(
        actor=user,
        action=AuditAction.QUERY,
        object_type="patients.patient",
        fields=fields,
        request=request,
        detail=f"{detail}; shown ids: {','.join(str(p) for p in patient_ids)}"[:500],
        part2=bool(patient_ids),
    )


@dataclass(frozen=True)
class TodayAppointment:
    """One of my appointments of the day as the page shows it (local wall-clock times)."""

    id: int
    patient_id: int
    start: datetime
    end: datetime
    kind: str
    patient_name: str  # OUTSIDE for a patient outside what I may see
    named: bool  # whether patient_name is the patient's (audited as shown)
    video: bool
    attendance: str  # empty: not recorded
    cancelled: bool
    url: str


# A patient of my appointment whom I may not see (another site of the organization): neither
# name nor record number (in the lower case of the line it stands in).
OUTSIDE = "a patient (outside your sites)"


def _my_appointments_on(user: Any, day: date) -> list[TodayAppointment]:
    """The user's own appointments (they are the staff member) whose local start, in the
    patient's site zone, falls on `day`; a patient is named only when the user may see them
    (membership or an emergency grant, as the appointment's page decides).
    One query whatever the number of appointments."""
    lo, hi = selectors.day_window(day)
    rows = with_patient_in_scope(
        Appointment.objects.filter(
            staff=user,
            organization_id=user.organization_id,
            starts_at__gte=lo,
            starts_at__lt=hi,
        )
        .select_related("patient__site")
        .order_by("starts_at", "id"),
        user,
    )
    out = []
    for a in rows:
        zone = ZoneInfo(a.patient.site.timezone)
        start = selectors.local(a.starts_at, zone)
        if start.date() != day:
            continue
        video = (a.modality == Modality.VIDEO) if a.modality else a.telehealth
        out.append(
            TodayAppointment(
                id=a.pk,
                patient_id=a.patient_id,
                start=start,
                end=selectors.local(a.ends_at, zone),
                kind=a.get_kind_display(),
                patient_name=(
                    f"{a.patient.last_name}, {a.patient.first_name}"
                    if patient_shown(a)
                    else OUTSIDE
                ),
                named=patient_shown(a),
                video=video,
                attendance=a.get_attendance_display() if a.attendance else "",
                cancelled=a.status == AppointmentStatus.CANCELLED,
                url=_appointment_url(a.pk),
            )
        )
    return out


def _appointment_url(pk: int) -> str:
    """The appointment's page, reversed when the page is drawn (empty, and the line shown
    without a link, while no such page is installed)."""
    try:
        return reverse("appointments:detail", args=[pk])
    except NoReverseMatch:
        return ""


def today(request: HttpRequest) -> HttpResponse:
    """Today's sessions with roster and check-in counts, my own appointments of the day
    (staff = me, whatever else my role lets me see) and my unsigned notes."""
    user = access.staff(request)
    policy.require(user, Action.ATTENDANCE_READ, request=request, object_type="delivery.dashboard")
    zone = selectors.user_zone(user)
    day = _parse_day(request.GET.get("date"), timezone.localdate(timezone=zone))
    sessions = selectors.sessions_on(user, day)
    rows = [
        {
            "session": s,
            "start": selectors.local(s.starts_at, selectors.session_zone(s)),
            "end": selectors.local(s.ends_at, selectors.session_zone(s)),
            "roster": s.n_assigned + s.n_dropins,  # type: ignore[attr-defined]
            "checked_in": s.n_in,  # type: ignore[attr-defined]
            "has_note": bool(s.n_notes),  # type: ignore[attr-defined]
        }
        for s in sessions
    ]
    notes = selectors.unsigned_notes(user)
    individual = [n.patient_id for n in notes if n.patient_id]
    if individual:
        _audit_query(request, user, individual, "unsigned notes", ["note"])
    appointments = _my_appointments_on(user, day)
    named = sorted({a.patient_id for a in appointments if a.named})
    if named:
        _audit_query(request, user, named, "my appointments", ["appointment"])
    return render(
        request,
        "delivery/today.html",
        {
            "day": day,
            "rows": rows,
            "appointments": appointments,
            "notes": notes,
            "previous": day.fromordinal(day.toordinal() - 1),
            "next": day.fromordinal(day.toordinal() + 1),
        },
    )


WEEK_PAGE_SIZE = 25
# The lists of the week page a status filter may ask for: those who need action (short or at
# risk, as the page has always flagged them first), everyone, or one status.
WEEK_LISTS = {"action": "Need action", "all": "Every patient"} | {
    status.value: label for status, label in weekly.STATUS_LABELS.items()
}


def _week_of_request(request: HttpRequest, user: Any) -> date:
    zone = selectors.user_zone(user)
    return monday_of(_parse_day(request.GET.get("week"), timezone.localdate(timezone=zone)))


def _week_nav(week_start: date) -> dict[str, Any]:
    return {
        "week_start": week_start,
        "previous": week_start.fromordinal(week_start.toordinal() - 7),
        "next": week_start.fromordinal(week_start.toordinal() + 7),
    }


def week(request: HttpRequest) -> HttpResponse:
    """This week in summary: counts by status and by day, the first page of the patients who
    need action (short or at risk), attendance by track. Every other list (a status, a day's
    sessions, a session's patients) loads on demand, one page at a time, so the page stays
    the same size however many patients the program has."""
    user = access.staff(request)
    policy.require(user, Action.ATTENDANCE_READ, request=request, object_type="delivery.dashboard")
    week_start = _week_of_request(request, user)
    report = weekly.week_report(user, week_start, as_of=timezone.now())
    page = Paginator(report.at_risk, WEEK_PAGE_SIZE).get_page(1)
    shown = [row.patient.pk for row in page.object_list]
    if shown:
        _audit_query(request, user, shown, f"weekly hours {week_start}", ["attendance", "hours"])
    return render(
        request,
        "delivery/week.html",
        {
            "report": report,
            "page": page,
            "list_key": "action",
            "list_label": WEEK_LISTS["action"],
            "lists": WEEK_LISTS,
            "days": selectors.week_days(user, week_start),
            "status_counts": [
                (label, status.value, report.counts.get(label, 0))
                for status, label in weekly.STATUS_LABELS.items()
            ],
            **_week_nav(week_start),
        },
    )


def week_patients(request: HttpRequest) -> HttpResponse:
    """One page of the week's patients: those needing action, everyone, or one status (an
    htmx fragment of the week page, or a page of its own without JavaScript)."""
    user = access.staff(request)
    policy.require(user, Action.ATTENDANCE_READ, request=request, object_type="delivery.dashboard")
    week_start = _week_of_request(request, user)
    key = request.GET.get("status") or "action"
    if key not in WEEK_LISTS:
        if getattr(request, "htmx", False):
            return htmx.reason("There is no such list of patients.", 400)
        return HttpResponse("There is no such list of patients.", status=400)
    report = weekly.week_report(user, week_start, as_of=timezone.now())
    if key == "action":
        rows = report.at_risk
    elif key == "all":
        rows = report.rows
    else:
        rows = [r for r in report.rows if r.week.status.value == key]
    page = Paginator(rows, WEEK_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = [row.patient.pk for row in page.object_list]
    if shown:
        _audit_query(
            request,
            user,
            shown,
            f"weekly hours {week_start}, list {key}, page {page.number}",
            ["attendance", "hours"],
        )
    return htmx.render_page(
        request,
        "delivery/week_list.html",
        "delivery/partials/week_patients.html",
        {
            "page": page,
            "list_key": key,
            "list_label": WEEK_LISTS[key],
            **_week_nav(week_start),
        },
    )


def week_day(request: HttpRequest) -> HttpResponse:
    """One page of a day's sessions the user may see, with roster and attendance counts (no
    names: each session's patients load on demand)."""
    user = access.staff(request)
    policy.require(user, Action.ATTENDANCE_READ, request=request, object_type="delivery.dashboard")
    raw = request.GET.get("day")
    try:
        day = date.fromisoformat(raw or "")
    except ValueError:
        if getattr(request, "htmx", False):
            return htmx.reason("Give the day as a date, e.g. 2026-11-04.", 400)
        return HttpResponse("Give the day as a date, e.g. 2026-11-04.", status=400)
    sessions = selectors.sessions_on(user, day)
    page = Paginator(sessions, WEEK_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "session": s,
            "start": selectors.local(s.starts_at, selectors.session_zone(s)),
            "end": selectors.local(s.ends_at, selectors.session_zone(s)),
            "roster": s.n_assigned + s.n_dropins,  # type: ignore[attr-defined]
            "checked_in": s.n_in,  # type: ignore[attr-defined]
        }
        for s in page.object_list
    ]
    return htmx.render_page(
        request,
        "delivery/week_list.html",
        "delivery/partials/week_day.html",
        {"day": day, "rows": rows, "page": page, **_week_nav(monday_of(day))},
    )


def week_session(request: HttpRequest, pk: int) -> HttpResponse:
    """One page of a session's patients (those the user may see) with their week's hours and
    status: the session is got through the same getter as its roster (404 for anyone else's,
    403 for a role without attendance, both audited)."""
    user = access.staff(request)
    session = delivery_access.session_for(user, pk, request=request)
    zone = selectors.session_zone(session)
    week_start = monday_of(selectors.local(session.starts_at, zone).date())
    roster = selectors.roster(user, session)
    page = Paginator(roster.rows, WEEK_PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [r.patient.pk for r in page.object_list]
    by_id = weekly.rows_for(user, week_start, ids, as_of=timezone.now())
    rows = [(r.patient, by_id.get(r.patient.pk)) for r in page.object_list]
    if ids:
        _audit_query(
            request,
            user,
            ids,
            f"weekly hours {week_start} of session {session.pk}, page {page.number}",
            ["name", "attendance", "hours"],
        )
    return htmx.render_page(
        request,
        "delivery/week_list.html",
        "delivery/partials/week_session.html",
        {
            "session": session,
            "start": selectors.local(session.starts_at, zone),
            "end": selectors.local(session.ends_at, zone),
            "rows": rows,
            "hidden": roster.hidden,
            "page": page,
            **_week_nav(week_start),
        },
    )


def _roster_context(request: HttpRequest, user: Any, session: GroupSession) -> dict[str, Any]:
    zone = selectors.session_zone(session)
    roster = selectors.roster(user, session)
    note = Note.objects.filter(session=session, kind=NoteKind.GROUP).first()
    writable = policy.allows(user, Action.ATTENDANCE_RECORD)
    open_for_check_in = writable and session.status != SessionStatus.CANCELLED
    return {
        "session": session,
        "start": selectors.local(session.starts_at, zone),
        "end": selectors.local(session.ends_at, zone),
        "zone": zone,
        "roster": roster,
        "code": codes.session_code(session) if open_for_check_in else "",
        "can_write": writable,
        "can_check_in": open_for_check_in,
        "can_note": delivery_access.can_author_notes(user),
        "note": note,
        "drop_in_form": DropInForm(candidates=selectors.drop_in_candidates(user, session))
        if writable
        else None,
        "statuses": AttendanceStatus.choices,
    }


def session_roster(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    session = delivery_access.session_for(user, pk, request=request)
    context = _roster_context(request, user, session)
    _audit_query(
        request,
        user,
        context["roster"].patient_ids,
        f"roster of session {session.pk}",
        ["name", "attendance"],
    )
    return render(request, "delivery/roster.html", context)


def _row_response(
    request: HttpRequest,
    user: Any,
    session: GroupSession,
    patient_id: int,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    roster = selectors.roster(user, session)
    row = next((r for r in roster.rows if r.patient.pk == patient_id), None)
    if row is None:
        if getattr(request, "htmx", False):
            return htmx.reason("This patient is not on this roster any more: reload the page.", 404)
        raise Http404("Not on this roster.")
    return render(
        request,
        "delivery/partials/roster_row.html",
        {
            "row": row,
            "session": session,
            "zone": selectors.session_zone(session),
            "can_write": True,
            "can_check_in": session.status != SessionStatus.CANCELLED,
            "error": error,
        },
        status=status,
    )


def _attendance_action(request: HttpRequest, pk: int, patient_id: int, action: str) -> HttpResponse:
    user = access.staff(request)
    session = delivery_access.session_for(user, pk, write=True, request=request)
    patient = access.patient_for(user, patient_id, action=Action.ATTENDANCE_RECORD, request=request)
    service = services.attendance_check_in if action == "in" else services.attendance_check_out
    error = ""
    try:
        service(actor=user, session=session, patient=patient, request=request)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if getattr(request, "htmx", False):
        return _row_response(request, user, session, patient.pk, error, 422 if error else 200)
    if error:
        messages.error(request, error)
    return redirect("delivery:roster", pk=session.pk)


@require_POST
def check_in(request: HttpRequest, pk: int, patient_id: int) -> HttpResponse:
    return _attendance_action(request, pk, patient_id, "in")


@require_POST
def check_out(request: HttpRequest, pk: int, patient_id: int) -> HttpResponse:
    return _attendance_action(request, pk, patient_id, "out")


def attendance_edit(request: HttpRequest, pk: int, patient_id: int) -> HttpResponse:
    """Record or correct a status and times (absences, telehealth, late entries)."""
    user = access.staff(request)
    session = delivery_access.session_for(user, pk, write=True, request=request)
    patient = access.patient_for(user, patient_id, action=Action.ATTENDANCE_RECORD, request=request)
    zone = selectors.session_zone(session)
    record = session.attendance_records.filter(patient=patient).first()
    initial: dict[str, Any] = {}
    if record is not None:
        initial = {
            "status": record.status,
            "check_in": selectors.local(record.check_in_at, zone).time()
            if record.check_in_at
            else None,
            "check_out": selectors.local(record.check_out_at, zone).time()
            if record.check_out_at
            else None,
        }
    form = AttendanceForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        day=selectors.local(session.starts_at, zone).date(),
        zone=zone,
    )
    if request.method == "POST" and form.is_valid():
        check_in_at, check_out_at = form.instants()
        record = submit(
            form,
            lambda data: services.attendance_set(
                actor=user,
                session=session,
                patient=patient,
                status=data["status"],
                check_in_at=check_in_at,
                check_out_at=check_out_at,
                request=request,
            ),
            # The service's instants are the form's times; a patient error is the whole form's.
            rename={"check_in_at": "check_in", "check_out_at": "check_out", "patient": None},
        )
        if record is not None:
            messages.success(request, "Attendance saved.")
            return redirect("delivery:roster", pk=session.pk)
    elif request.method == "GET":
        audit.record(
            actor=user,
            action=AuditAction.VIEW,
            patient=patient,
            obj=record or patient,
            fields=["attendance"],
            request=request,
            detail=f"attendance form, session {session.pk}",
        )
    return render_form(
        request,
        "delivery/attendance_form.html",
        {
            "form": form,
            "session": session,
            "patient": patient,
            "start": selectors.local(session.starts_at, zone),
            "end": selectors.local(session.ends_at, zone),
        },
    )


@require_POST
def drop_in(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    session = delivery_access.session_for(user, pk, write=True, request=request)
    form = DropInForm(request.POST, candidates=selectors.drop_in_candidates(user, session))
    if form.is_valid():
        patient = access.patient_for(
            user, form.cleaned_data["patient"].pk, action=Action.ATTENDANCE_RECORD, request=request
        )
        drop_in = submit(
            form,
            lambda data: services.drop_in_add(
                actor=user, session=session, patient=patient, reason=data["reason"], request=request
            ),
        )
        if drop_in is not None:
            messages.success(request, "Added to the roster.")
            return redirect("delivery:roster", pk=session.pk)
    context = _roster_context(request, user, session)
    context["drop_in_form"] = form
    return render(request, "delivery/roster.html", context, status=INVALID)


def leave_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.ATTENDANCE_RECORD, request=request)
    form = LeaveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        leave = submit(
            form,
            lambda data: services.leave_create(
                actor=user, patient=patient, request=request, **data
            ),
        )
        if leave is not None:
            messages.success(request, "Leave of absence recorded.")
            return redirect("patients:chart_tab", pk=patient.pk, tab="attendance")
    return render_form(
        request,
        "delivery/simple_form.html",
        {
            "form": form,
            "patient": patient,
            "title": "Leave of absence",
            "intro": "Days on leave lower the week's hours requirement in proportion to the "
            "scheduled time they cover; a leave over the whole week suspends it.",
            "button": "Record the leave",
        },
    )


def step_down_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.STEP_DOWN_APPROVE, request=request)
    form = StepDownForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        allowance = submit(
            form,
            lambda data: services.step_down_create(
                actor=user, patient=patient, request=request, **data
            ),
        )
        if allowance is not None:
            messages.success(request, "Step-down allowance recorded.")
            return redirect("patients:chart_tab", pk=patient.pk, tab="attendance")
    return render_form(
        request,
        "delivery/simple_form.html",
        {
            "form": form,
            "patient": patient,
            "title": "Step-down allowance",
            "intro": "ASAM Level 2.1 allows fewer hours for one or two weeks while a patient "
            "steps down; from the third week the normal minimum applies again.",
            "button": "Record the step-down",
        },
    )


def letter(request: HttpRequest, pk: int) -> HttpResponse:
    """Proof of attendance: a PDF under one of the patient's recorded consents to a named
    recipient, stating only what that consent covers."""
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.LETTER_ISSUE, request=request)
    today_ = timezone.localdate()
    consents = letter_consents(patient)
    form = LetterForm(
        request.POST if request.method == "POST" else None,
        initial={"period_start": today_.replace(day=1), "period_end": today_},
        consents=consents,
    )
    if request.method == "POST" and form.is_valid():
        try:
            issued = submit(
                form,
                lambda data: services.disclosure_letter_create(
                    actor=user,
                    patient=patient,
                    consent_id=data["consent"].pk,
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    include=data["include"],
                    statement=data.get("statement", ""),
                    request=request,
                ),
            )
        except DisclosureRefused as refused:
            # Refused by the gate (e.g. the consent was revoked meanwhile): audited already,
            # nothing saved; the reason is shown on the form.
            form.add_error(None, f"The letter was not made: {refused.args[0]}")
            issued = None
        if issued is not None:
            disclosure, pdf = issued
            response = HttpResponse(pdf, content_type="application/pdf")
            # The file name carries the internal id only: no name in headers or logs.
            response["Content-Disposition"] = (
                f'attachment; filename="attendance-letter-{disclosure.pk}.pdf"'
            )
            return response
    disclosures = list(patient.disclosures.select_related("created_by")[:20])
    if request.method == "GET":
        audit.record(
            actor=user,
            action=AuditAction.VIEW,
            patient=patient,
            obj=patient,
            fields=["disclosures"],
            request=request,
            detail="letter form and disclosure log",
        )
    try:
        consent_url = reverse("privacy:consent_new", args=[patient.pk])
    except NoReverseMatch:
        consent_url = ""
    return render_form(
        request,
        "delivery/letter.html",
        {
            "form": form,
            "patient": patient,
            "disclosures": disclosures,
            "consents": consents,
            "consent_url": consent_url,
        },
    )
