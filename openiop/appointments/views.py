"""Staff pages of appointments (mounted at /appointments/; a session past TOTP): the day's
appointments, one appointment (attendance, note, move, cancel), booking by hand, the week's
placement, the setup of appointment types and the video service, and the chart tab's forms
(primary counselor, telehealth consent).

Views are thin: the user from `core.access.staff`, appointments through
`appointments.access.appointment_for`, patients through `core.access.patient_for`, every write
through one service of `appointments.services`; forms come back with 422 and their errors.
URLs carry internal ids and dates only.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from openiop.accounts.models import User
from openiop.appointments import selectors, services
from openiop.appointments.access import RELATED, appointment_for, patient_in_scope
from openiop.appointments.forms import (
    MEDICATION_FORMAT,
    NOTE_FORMATS,
    AppointmentTypeForm,
    AttendanceForm,
    BookForm,
    CancelForm,
    CheckInForm,
    MoveForm,
    NoteForm,
    PrimaryCounselorForm,
    TelehealthConsentForm,
    VideoServiceForm,
    WeekForm,
    near,
)
from openiop.appointments.models import (
    Appointment,
    AppointmentKind,
    AppointmentRun,
    AppointmentShortfall,
    AppointmentStatus,
    AppointmentType,
    Attendance,
    Modality,
)
from openiop.appointments.planning import monday_of
from openiop.core import access, audit, policy
from openiop.core.forms import INVALID, render_form, submit
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.delivery.selectors import local, user_zone
from openiop.organization.models import Program, Track
from openiop.patients.models import Patient

PAGE_SIZE = 25


def _parse_day(raw: str | None, today: date) -> date:
    """A date from the query string within five years of `today` (the user's local today);
    anything else, malformed or too far, is today (never an error page)."""
    try:
        day = date.fromisoformat(raw) if raw else today
    except ValueError:
        return today
    return day if near(day, today) else today


def _audit_query(
    request: HttpRequest, user: User, patient_ids: list[int], detail: str, fields: list[str]
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


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _org(user: User) -> int:
    return access.organization_id(user)


# --- the day ------------------------------------------------------------------------------


def day(request: HttpRequest) -> HttpResponse:
    """The appointments of a day the user may see: by default their own (a clinician's), with
    a toggle to everyone's they may see."""
    user = access.staff(request)
    policy.require(
        user, Action.SCHEDULE_READ, request=request, object_type="appointments.appointment"
    )
    zone = user_zone(user)
    the_day = _parse_day(request.GET.get("date"), timezone.localdate(timezone=zone))
    who = request.GET.get("who", "")
    if who not in ("mine", "all"):
        # Clinicians see their own by default; others (front desk, intake) are rarely the
        # staff member of an appointment and start with everyone's.
        who = "mine" if policy.allows(user, Action.NOTE_WRITE) else "all"
    rows = selectors.day_rows(user, the_day, mine=who == "mine")
    shown = sorted({r.appointment.patient_id for r in rows})
    if shown:
        _audit_query(
            request, user, shown, f"appointments of {the_day}", ["appointment", "attendance"]
        )
    return render(
        request,
        "appointments/day.html",
        {
            "day": the_day,
            "rows": rows,
            "who": who,
            "previous": date.fromordinal(the_day.toordinal() - 1),
            "next": date.fromordinal(the_day.toordinal() + 1),
        },
    )


# --- one appointment ----------------------------------------------------------------------


def _fresh(appointment: Appointment) -> Appointment:
    return Appointment.objects.select_related(*RELATED).get(pk=appointment.pk)


def _attendance_context(
    user: User,
    a: Appointment,
    in_scope: bool,
    *,
    form: forms.Form | None = None,
) -> dict[str, Any]:
    zone = selectors.zone_of(a)
    video_check_in = a.telehealth or selectors.current_consent(a.patient) is not None
    errors: list[str] = []
    if form is not None and form.errors:
        # The state's errors show on its field, in the video check-in form when it is shown.
        errors = [
            str(message)
            for name, messages_ in form.errors.items()
            if not (name == "patient_state" and video_check_in)
            for message in messages_
        ]
    return {
        "a": a,
        "check_in_local": local(a.check_in_at, zone) if a.check_in_at else None,
        "check_out_local": local(a.check_out_at, zone) if a.check_out_at else None,
        "can_record": in_scope
        and a.status == AppointmentStatus.SCHEDULED
        and policy.allows(user, Action.ATTENDANCE_RECORD),
        "check_in_form": form if isinstance(form, CheckInForm) else CheckInForm(),
        "video_check_in": video_check_in,
        "attendance_errors": errors,
    }


def _detail_context(
    request: HttpRequest, user: User, a: Appointment, **overrides: Any
) -> dict[str, Any]:
    in_scope = patient_in_scope(user, a)
    row = selectors.row_of(a, in_scope=in_scope)
    scheduled = a.status == AppointmentStatus.SCHEDULED
    may_change = (
        in_scope
        and scheduled
        and not (a.attendance or a.note_id)
        and policy.allows(user, Action.APPOINTMENT_BOOK)
    )
    service = selectors.video_service(a.organization_id) if a.telehealth else None
    patient_zone = ZoneInfo(a.patient.site.timezone)
    context: dict[str, Any] = {
        "row": row,
        "in_scope": in_scope,
        "video_name": service.name if service else "",
        "video_link": service.link(a.video_key) if service and a.video_key else "",
        "can_note": in_scope and scheduled and policy.allows(user, Action.NOTE_WRITE),
        "can_read_note": in_scope and policy.allows(user, Action.NOTE_READ),
        "note_formats": NOTE_FORMATS,
        "medication_visit": a.kind == AppointmentKind.MEDICATION,
        "may_change": may_change,
        "move_form": MoveForm(
            initial={
                "day": local(a.starts_at, patient_zone).date(),
                "time": local(a.starts_at, patient_zone).time(),
                "staff": a.staff_id,
                "telehealth": a.telehealth,
            },
            staff=selectors.clinicians(a.organization_id),
            zone=patient_zone,
        )
        if may_change
        else None,
        "cancel_form": CancelForm() if may_change else None,
        **_attendance_context(user, a, in_scope),
    }
    context.update(overrides)
    return context


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    a = appointment_for(user, pk, action=Action.SCHEDULE_READ, request=request)
    audit.record(
        actor=user,
        action=AuditAction.VIEW,
        patient=a.patient,
        obj=a,
        fields=["appointment", "attendance"],
        request=request,
        detail="appointment page",
    )
    return render(request, "appointments/detail.html", _detail_context(request, user, a))


def _attendance_answer(
    request: HttpRequest, user: User, a: Appointment, form: forms.Form, ok: bool, done: str
) -> HttpResponse:
    """The attendance fragment (htmx) or, without JavaScript, the page again."""
    a = _fresh(a)
    if _is_htmx(request):
        context = _attendance_context(user, a, patient_in_scope(user, a), form=None if ok else form)
        response = render(
            request,
            "appointments/partials/attendance.html",
            context,
            status=200 if ok else INVALID,
        )
        if ok:
            # The page shows more once the patient is in (the note): htmx reloads it.
            response["HX-Refresh"] = "true"
        return response
    if ok:
        messages.success(request, done)
        return redirect("appointments:detail", pk=a.pk)
    context = _detail_context(request, user, a)
    context.update(_attendance_context(user, a, context["in_scope"], form=form))
    return render(request, "appointments/detail.html", context, status=INVALID)


@require_POST
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """One tap: in person, or by video with the state the patient is in."""
    user = access.staff(request)
    a = appointment_for(user, pk, action=Action.ATTENDANCE_RECORD, request=request)
    form = CheckInForm(request.POST)
    saved = None
    if form.is_valid():
        saved = submit(
            form,
            lambda data: services.appointment_check_in(
                actor=user,
                appointment=a,
                modality=data["modality"],
                patient_state=data["patient_state"],
                request=request,
            ),
            rename={"check_in": None, "status": None},
        )
    return _attendance_answer(request, user, a, form, saved is not None, "Checked in.")


class _NoFields(forms.Form):
    """A form without fields, to carry a service's refusal."""


@require_POST
def check_out(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    a = appointment_for(user, pk, action=Action.ATTENDANCE_RECORD, request=request)
    form = _NoFields(request.POST)
    form.is_valid()
    saved = submit(
        form,
        lambda _: services.appointment_check_out(actor=user, appointment=a, request=request),
        rename={"check_out": None, "status": None},
    )
    return _attendance_answer(request, user, a, form, saved is not None, "Checked out.")


def attendance_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Record or correct attendance: status, times, in person or by video, and the state."""
    user = access.staff(request)
    a = appointment_for(user, pk, action=Action.ATTENDANCE_RECORD, request=request)
    access.require_in_scope(user, a.patient, request=request)
    zone = selectors.zone_of(a)
    initial: dict[str, Any] = {
        "attendance": a.attendance or Attendance.PRESENT,
        "modality": a.modality or (Modality.VIDEO if a.telehealth else Modality.IN_PERSON),
        "patient_state": a.patient_state,
        "check_in": local(a.check_in_at, zone).time() if a.check_in_at else None,
        "check_out": local(a.check_out_at, zone).time() if a.check_out_at else None,
    }
    form = AttendanceForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        day=local(a.starts_at, zone).date(),
        zone=zone,
    )
    if request.method == "POST" and form.is_valid():
        check_in_at, check_out_at = form.instants()
        saved = submit(
            form,
            lambda data: services.appointment_attendance_set(
                actor=user,
                appointment=a,
                attendance=data["attendance"],
                check_in_at=check_in_at,
                check_out_at=check_out_at,
                modality=data["modality"],
                patient_state=data["patient_state"],
                request=request,
            ),
            rename={"check_in_at": "check_in", "check_out_at": "check_out", "status": None},
        )
        if saved is not None:
            messages.success(request, "Attendance saved.")
            return redirect("appointments:detail", pk=a.pk)
    elif request.method == "GET":
        audit.record(
            actor=user,
            action=AuditAction.VIEW,
            patient=a.patient,
            obj=a,
            fields=["attendance"],
            request=request,
            detail="attendance form",
        )
    return render_form(
        request,
        "appointments/attendance_form.html",
        {"form": form, "a": a, "row": selectors.row_of(a)},
    )


def note(request: HttpRequest, pk: int) -> HttpResponse:
    """Write the appointment's note, or continue its draft; it is signed on the note's page."""
    user = access.staff(request)
    a = appointment_for(user, pk, action=Action.NOTE_WRITE, request=request)
    access.require_in_scope(user, a.patient, request=request)
    existing = a.note
    if existing is not None and (existing.locked or existing.author_id != user.pk):
        # Signed, or another clinician's draft: read it (and sign it) on the note's page.
        return redirect("delivery:note", pk=existing.pk)
    if a.status != AppointmentStatus.SCHEDULED:
        messages.error(request, "This appointment was cancelled: it has no note.")
        return redirect("appointments:detail", pk=a.pk)
    if a.kind == AppointmentKind.MEDICATION:
        note_format = MEDICATION_FORMAT
    elif existing is not None:
        note_format = existing.format
    else:
        asked = request.POST.get("format") or request.GET.get("format") or ""
        note_format = asked if asked in dict(NOTE_FORMATS) else NOTE_FORMATS[0][0]
    form = NoteForm(
        request.POST if request.method == "POST" else None,
        initial=dict(existing.content) if existing is not None else None,
        note_format=note_format,
    )
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            lambda _: services.appointment_note_save(
                actor=user,
                appointment=a,
                note_format=note_format,
                content=form.content(),
                request=request,
            ),
            rename={"format": None, "service_date": None, "duration_minutes": None, "status": None},
        )
        if saved is not None:
            messages.success(request, "Draft saved. Sign it when it is complete.")
            return redirect("delivery:note", pk=saved.pk)
    elif request.method == "GET" and existing is not None:
        audit.record(
            actor=user,
            action=AuditAction.VIEW,
            patient=a.patient,
            obj=existing,
            fields=["note"],
            request=request,
            detail=f"draft note of appointment {a.pk}",
        )
    return render_form(
        request,
        "appointments/note_form.html",
        {
            "form": form,
            "a": a,
            "row": selectors.row_of(a),
            "note": existing,
            "note_format": note_format,
            "formats": NOTE_FORMATS if a.kind != AppointmentKind.MEDICATION else [],
        },
    )


@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    a = appointment_for(user, pk, action=Action.APPOINTMENT_BOOK, request=request)
    zone = ZoneInfo(a.patient.site.timezone)
    form = MoveForm(request.POST, staff=selectors.clinicians(a.organization_id), zone=zone)
    if form.is_valid():
        saved = submit(
            form,
            lambda data: services.appointment_move(
                actor=user,
                appointment=a,
                starts_at=form.starts_at(),
                staff=data["staff"],
                telehealth=data["telehealth"],
                request=request,
            ),
            rename={"starts_at": "time", "status": None},
        )
        if saved is not None:
            messages.success(request, "Moved.")
            return redirect("appointments:detail", pk=a.pk)
    context = _detail_context(request, user, a, move_form=form, move_open=True)
    return render(request, "appointments/detail.html", context, status=INVALID)


@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    a = appointment_for(user, pk, action=Action.APPOINTMENT_BOOK, request=request)
    form = CancelForm(request.POST)
    if form.is_valid():
        saved = submit(
            form,
            lambda data: services.appointment_cancel(
                actor=user, appointment=a, reason=data["reason"], request=request
            ),
            rename={"status": None},
        )
        if saved is not None:
            messages.success(request, "Cancelled.")
            return redirect("appointments:detail", pk=a.pk)
    context = _detail_context(request, user, a, cancel_form=form, cancel_open=True)
    return render(request, "appointments/detail.html", context, status=INVALID)


# --- booking by hand ----------------------------------------------------------------------


def book(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.APPOINTMENT_BOOK, request=request)
    types = selectors.types_offered(patient)
    zone = ZoneInfo(patient.site.timezone)
    primary_now = selectors.current_primary(patient)
    form = BookForm(
        request.POST if request.method == "POST" else None,
        initial={
            "day": timezone.localdate(timezone=zone),
            "staff": primary_now.counselor_id if primary_now else None,
        },
        types=types,
        staff=selectors.clinicians(patient.organization_id),
        zone=zone,
    )
    if request.method == "POST" and form.is_valid():
        booked = submit(
            form,
            lambda data: services.appointment_book(
                actor=user,
                patient=patient,
                kind=data["kind"],
                staff=data["staff"],
                starts_at=form.starts_at(),
                telehealth=data["telehealth"],
                family_attendees=data["family_attendees"],
                request=request,
            ),
            rename={"starts_at": "time"},
        )
        if booked is not None:
            messages.success(request, "Booked.")
            return redirect("appointments:detail", pk=booked.pk)
    elif request.method == "GET":
        audit.record(
            actor=user,
            action=AuditAction.VIEW,
            patient=patient,
            obj=patient,
            fields=["appointments"],
            request=request,
            detail="booking form",
        )
    return render_form(
        request,
        "appointments/book.html",
        {"form": form, "patient": patient, "types": types, "zone": zone.key},
    )


# --- the chart tab's forms ----------------------------------------------------------------


def _chart(patient: Patient) -> HttpResponse:
    return redirect("patients:chart_tab", pk=patient.pk, tab="appointments")


def primary(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the patient's primary counselor (the current one's row ends; history stays)."""
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.PRIMARY_COUNSELOR_ASSIGN, request=request)
    history = selectors.primary_history(patient)
    current = next((row for row in history if row.ended_at is None), None)
    form = PrimaryCounselorForm(
        request.POST if request.method == "POST" else None,
        staff=selectors.clinicians(patient.organization_id),
    )
    if request.method == "POST" and form.is_valid():
        if current is not None and not form.cleaned_data["reason"].strip():
            form.add_error("reason", "Say why the primary counselor changes.")
        else:
            saved = submit(
                form,
                lambda data: services.primary_counselor_assign(
                    actor=user,
                    patient=patient,
                    counselor=data["counselor"],
                    reason=data["reason"],
                    request=request,
                ),
            )
            if saved is not None:
                messages.success(request, "Primary counselor saved.")
                return _chart(patient)
    elif request.method == "GET":
        audit.record(
            actor=user,
            action=AuditAction.VIEW,
            patient=patient,
            obj=patient,
            fields=["primary_counselor"],
            request=request,
            detail="primary counselor form",
        )
    return render_form(
        request,
        "appointments/primary_form.html",
        {"form": form, "patient": patient, "current": current, "history": history},
    )


def telehealth(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the patient's telehealth consent."""
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.APPOINTMENT_BOOK, request=request)
    form = TelehealthConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            lambda data: services.telehealth_consent_record(
                actor=user, patient=patient, method=data["method"], request=request
            ),
        )
        if saved is not None:
            messages.success(request, "Telehealth consent recorded.")
            return _chart(patient)
    elif request.method == "GET":
        audit.record(
            actor=user,
            action=AuditAction.VIEW,
            patient=patient,
            obj=patient,
            fields=["telehealth_consent"],
            request=request,
            detail="telehealth consent form",
        )
    return render_form(
        request,
        "appointments/telehealth_form.html",
        {"form": form, "patient": patient, "consent": selectors.current_consent(patient)},
    )


@require_POST
def telehealth_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.APPOINTMENT_BOOK, request=request)
    form = _NoFields(request.POST)
    form.is_valid()
    saved = submit(
        form,
        lambda _: services.telehealth_consent_revoke(actor=user, patient=patient, request=request),
        rename={"method": None},
    )
    if saved is not None:
        messages.success(request, "Telehealth consent revoked.")
        return _chart(patient)
    return render_form(
        request,
        "appointments/telehealth_form.html",
        {
            "form": TelehealthConsentForm(),
            "revoke_errors": form.non_field_errors(),
            "patient": patient,
            "consent": selectors.current_consent(patient),
        },
        status=INVALID,
    )


# --- the week's placement -----------------------------------------------------------------


def _week_page(
    request: HttpRequest,
    user: User,
    week_start: date,
    *,
    form: WeekForm | None = None,
    status: int = 200,
) -> HttpResponse:
    org = _org(user)
    run = AppointmentRun.objects.filter(organization_id=org, week_start=week_start).first()
    of_week = AppointmentShortfall.objects.filter(organization_id=org, week_start=week_start)
    visible = (
        of_week.filter(patient__in=access.patients_visible_to(user).values("pk"))
        .select_related("patient")
        .order_by("patient__last_name", "patient__first_name", "patient_id", "kind")
    )
    page = Paginator(visible, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = [s.patient_id for s in page.object_list]
    if shown:
        _audit_query(
            request,
            user,
            shown,
            f"appointments not placed, week {week_start}, page {page.number}",
            ["appointment"],
        )
    total = of_week.count()
    overdue = _overdue_rows(request, user, week_start)
    return render(
        request,
        "appointments/week.html",
        {
            "overdue": overdue,
            "without_primary": _without_primary(user, week_start),
            "week_start": week_start,
            "week_end": date.fromordinal(week_start.toordinal() + 6),
            "previous": date.fromordinal(week_start.toordinal() - 7),
            "next": date.fromordinal(week_start.toordinal() + 7),
            "run": run,
            "stats": run.stats if run else {},
            "page": page,
            "hidden": total - page.paginator.count,
            "form": form or WeekForm(initial={"week": week_start}),
        },
        status=status,
    )


OVERDUE_SHOWN = 25


def _enrolled_visible(user: User, day: date) -> Any:
    from django.db.models import Q

    from openiop.patients.models import Enrollment, EnrollmentStatus

    return (
        Enrollment.objects.filter(
            patient__in=access.patients_visible_to(user).values("pk"),
            status=EnrollmentStatus.ACTIVE,
            starts_on__lte=day,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .values_list("patient_id", flat=True)
        .distinct()
    )


def _without_primary(user: User, week_start: date) -> int:
    from openiop.appointments.models import PrimaryCounselor

    current = PrimaryCounselor.objects.filter(ended_at__isnull=True).values("patient_id")
    return int(_enrolled_visible(user, week_start).exclude(patient_id__in=current).count())


def _overdue_rows(request: HttpRequest, user: User, week_start: date) -> dict[str, Any]:
    """Patients the user sees whose due appointments were missed, as of the week's last day
    or today, whichever is first (the first 25 by name, audited)."""
    from openiop.appointments.overdue import overdue_for
    from openiop.patients.models import Patient

    today = timezone.localdate(timezone=user_zone(user))
    as_of = min(today, date.fromordinal(week_start.toordinal() + 6))
    found = overdue_for(_org(user), list(_enrolled_visible(user, as_of)), as_of)
    patients = list(
        Patient.objects.filter(pk__in=list(found)).order_by("last_name", "first_name", "pk")[
            :OVERDUE_SHOWN
        ]
    )
    if patients:
        _audit_query(
            request,
            user,
            [p.pk for p in patients],
            f"due appointments missed, {as_of}",
            ["appointment"],
        )
    return {
        "as_of": as_of,
        "count": len(found),
        "rows": [(p, [o.text for o in found[p.pk]]) for p in patients],
    }


@require_POST
def primary_balance(request: HttpRequest) -> HttpResponse:
    """Give every enrolled patient the user sees, who has none, a primary counselor."""
    user = access.staff(request)
    policy.require(user, Action.PRIMARY_COUNSELOR_ASSIGN, request=request)
    rows = services.primary_counselors_balance(actor=user, request=request)
    messages.success(
        request,
        f"{len(rows)} patient{'s' if len(rows) != 1 else ''} now "
        f"{'have' if len(rows) != 1 else 'has'} a primary counselor.",
    )
    week_start = monday_of(timezone.localdate(timezone=user_zone(user)))
    return redirect(f"{reverse('appointments:week')}?week={week_start.isoformat()}")


def week(request: HttpRequest) -> HttpResponse:
    """The week's placement of appointments: the last run, what was not placed and why."""
    user = access.staff(request)
    policy.require(
        user, Action.SCHEDULE_MANAGE, request=request, object_type="appointments.appointmentrun"
    )
    today = timezone.localdate(timezone=user_zone(user))
    return _week_page(request, user, monday_of(_parse_day(request.GET.get("week"), today)))


@require_POST
def week_place(request: HttpRequest) -> HttpResponse:
    """Place the week again, on the task queue."""
    user = access.staff(request)
    policy.require(
        user, Action.SCHEDULE_MANAGE, request=request, object_type="appointments.appointmentrun"
    )
    today = timezone.localdate(timezone=user_zone(user))
    form = WeekForm(request.POST, today=today)
    if form.is_valid():
        week_start = monday_of(form.cleaned_data["week"])
        queued = submit(
            form,
            lambda _: services.appointments_place_week_queue(
                actor=user, week_start=week_start, request=request
            ),
        )
        if queued is not None:
            messages.success(
                request,
                f"The placement of the week of {week_start.day} {week_start:%B %Y} is queued: "
                "reload this page in a minute to see what came out.",
            )
            return redirect(f"{reverse('appointments:week')}?week={week_start.isoformat()}")
    return _week_page(request, user, monday_of(today), form=form, status=INVALID)


# --- setup: appointment types and the video service ---------------------------------------


def _programs(user: User) -> Any:
    return Program.objects.filter(site__organization_id=_org(user)).select_related("site")


def _tracks(user: User) -> Any:
    return Track.objects.filter(program__site__organization_id=_org(user)).select_related(
        "program__site"
    )


def _type_form(user: User, data: Any = None, **kwargs: Any) -> AppointmentTypeForm:
    return AppointmentTypeForm(data, programs=_programs(user), tracks=_tracks(user), **kwargs)


def _setup_page(
    request: HttpRequest,
    user: User,
    *,
    video_form: VideoServiceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    org = _org(user)
    service = selectors.video_service(org)
    types = (
        AppointmentType.objects.filter(organization_id=org)
        .select_related("program__site", "track")
        .order_by("program__site__name", "program__name", "program_id", "track__name", "kind")
    )
    return render(
        request,
        "appointments/setup.html",
        {
            "types": types,
            "type_form": _type_form(user),
            "video_service": service,
            "video_form": video_form
            or VideoServiceForm(
                initial={"name": service.name, "url_template": service.url_template}
                if service
                else None
            ),
        },
        status=status,
    )


def setup(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(
        user, Action.SCHEDULE_MANAGE, request=request, object_type="appointments.appointmenttype"
    )
    return _setup_page(request, user)


def type_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add an appointment type, or change one (program policy)."""
    user = access.staff(request)
    policy.require(
        user, Action.SCHEDULE_MANAGE, request=request, object_type="appointments.appointmenttype"
    )
    instance = None
    if pk is not None:
        instance = (
            AppointmentType.objects.filter(pk=pk, organization_id=_org(user))
            .select_related("program", "track")
            .first()
        )
        if instance is None:
            raise access.not_found(user, "appointments.appointmenttype", pk, request=request)
    initial = (
        {
            "program": instance.program_id,
            "track": instance.track_id,
            "kind": instance.kind,
            "minutes": instance.minutes,
            "credential": instance.credential,
            "every_weeks": instance.every_weeks,
            "counts_toward_hours": instance.counts_toward_hours,
            "payer_rule": instance.payer_rule,
            "video_allowed": instance.video_allowed,
            "active": instance.active,
        }
        if instance
        else None
    )
    form = _type_form(user, request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            lambda data: services.appointment_type_save(
                actor=user,
                program=data["program"],
                track=data["track"],
                kind=data["kind"],
                minutes=data["minutes"],
                credential=data["credential"],
                every_weeks=data["every_weeks"],
                counts_toward_hours=data["counts_toward_hours"],
                payer_rule=data["payer_rule"],
                video_allowed=data["video_allowed"],
                active=data["active"],
                instance=instance,
                request=request,
            ),
        )
        if saved is not None:
            messages.success(request, "Saved.")
            return redirect("appointments:setup")
    return render_form(request, "appointments/type_form.html", {"form": form, "instance": instance})


@require_POST
def video(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(
        user, Action.SCHEDULE_MANAGE, request=request, object_type="appointments.videoservice"
    )
    form = VideoServiceForm(request.POST)
    if form.is_valid():
        saved = submit(
            form,
            lambda data: services.video_service_save(
                actor=user, name=data["name"], url_template=data["url_template"], request=request
            ),
        )
        if saved is not None:
            messages.success(request, "Video service saved.")
            return redirect("appointments:setup")
    return _setup_page(request, user, video_form=form, status=INVALID)
