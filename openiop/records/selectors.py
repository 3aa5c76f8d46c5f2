"""What each printable record holds, read for one patient (no access decisions here: the
views get the patient and the object through the typed getters first).

A group note prints the group part and only this patient's section and amendments: never
another attendee's section, name or the roster.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from openiop.care.measures.selectors import band_label
from openiop.care.models import (
    Discharge,
    DrugScreen,
    PlanStatus,
    TreatmentPlan,
)
from openiop.care.models.screens import ResultValue, ScreenStatus
from openiop.delivery import formats
from openiop.delivery.hours import attended_sessions
from openiop.delivery.models import Note, NoteKind, NoteSection, NoteStatus
from openiop.domain.consent import ConsentKind, DisclosureRequest, decide
from openiop.domain.screening import INSTRUMENTS
from openiop.intake.models import Admission, ScreeningResponse
from openiop.patients.models import OPEN_STATUSES, Enrollment, Patient
from openiop.privacy import gate
from openiop.privacy.models import Consent
from openiop.records.pdf import Block, Record
from openiop.scheduling import selectors as schedule_selectors
from openiop.scheduling.calendar import location_of
from openiop.support.models import Need, NeedStatus

# Consents with a named recipient a copy can be handed to.
NAMED_KINDS = (ConsentKind.NAMED, ConsentKind.SUD_NOTES)
KINDS = {
    "note": "Clinical note",
    "plan": "Treatment plan",
    "discharge": "Discharge summary",
    "schedule": "Weekly schedule",
    "summary": "Chart summary",
}


def _day(d: date | None) -> str:
    return f"{d:%Y-%m-%d}" if d else "-"


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min"


def _local(moment: datetime, patient: Patient) -> datetime:
    return moment.astimezone(ZoneInfo(patient.site.timezone))


def _instrument(code: str) -> str:
    found = INSTRUMENTS.get(code)
    return found.name if found is not None else code.upper()


# --- note -----------------------------------------------------------------------------------


def note_about(note: Note, patient: Patient) -> bool:
    """Whether the note concerns the patient: their individual note, or a group note with
    a section for them."""
    if note.kind == NoteKind.INDIVIDUAL:
        return note.patient_id == patient.pk
    return note.sections.filter(patient=patient).exists()


def note_record(note: Note, patient: Patient) -> Record:
    """A signed note: for a group note the group part and only this patient's part."""
    status = (
        f"{note.get_status_display()} by {note.signed_by.display_name if note.signed_by else '-'}"
    )
    if note.signed_at:
        status += f" on {_local(note.signed_at, patient):%Y-%m-%d %H:%M}"
    if note.status == NoteStatus.SIGNED and note.cosigned_at and note.cosigned_by:
        status += f"; co-signed by {note.cosigned_by.display_name}"
    facts: list[tuple[str, str]] = [
        ("Date of service", _day(note.service_date)),
        ("Format", note.get_format_display()),
    ]
    if note.session is not None:
        facts.append(("Group", note.session.track.name))
    facts += [
        ("Written by", note.author.display_name),
        ("Duration", f"{note.duration_minutes} min" if note.duration_minutes else "-"),
        ("Status", status),
    ]
    blocks = [Block("Note", tuple(facts))]
    fields = formats.fields_for(note.format)
    main = tuple((f.label, str(note.content.get(f.key, ""))) for f in fields)
    if note.kind == NoteKind.GROUP:
        blocks.append(Block("Group part", main))
        section = note.sections.filter(patient=patient).first()
        content = section.content if section is not None else {}
        own = tuple(
            (
                f.label,
                str(dict(f.choices).get(content.get(f.key, ""), content.get(f.key, "")))
                if f.choices
                else str(content.get(f.key, "")),
            )
            for f in formats.SECTION
        )
        blocks.append(Block("This patient's part", own))
    else:
        blocks.append(Block("Content", main))
    # The group part's amendments and this patient's, never another attendee's.
    amendments = note.amendments.select_related("author").filter(
        Q(section_patient__isnull=True) | Q(section_patient=patient)
    )
    for a in amendments.order_by("signed_at", "id"):
        blocks.append(
            Block(
                f"Amendment of {_local(a.signed_at, patient):%Y-%m-%d %H:%M} by "
                f"{a.author.display_name}",
                (("Reason", a.reason),),
                (a.text,),
            )
        )
    title = "Group note" if note.kind == NoteKind.GROUP else "Individual counselling note"
    return Record("note", f"{title} of {_day(note.service_date)}", tuple(blocks))


# --- treatment plan ---------------------------------------------------------------------------


def plan_record(plan: TreatmentPlan, patient: Patient) -> Record:
    facts: list[tuple[str, str]] = [
        ("Version", str(plan.version)),
        ("Status", plan.get_status_display()),
        ("Track", plan.enrollment.track.name),
        ("Review with the patient by", _day(plan.review_on)),
    ]
    if plan.revision_reason:
        facts.append(("Revised because", plan.revision_reason))
    if plan.status in (PlanStatus.SIGNED, PlanStatus.SUPERSEDED):
        attested = plan.signature_attested_by.display_name if plan.signature_attested_by else "-"
        facts.append(
            (
                "Signed",
                f"by the patient as {plan.patient_signature_name} on "
                f"{_day(plan.patient_signed_on)}, attested by {attested}",
            )
        )
    blocks = [Block("Plan", tuple(facts))]
    problems = [
        f"{p.description} - {p.icd10_code}{' ' + p.icd10_label if p.icd10_label else ''}"
        for p in plan.problems.all()
    ]
    blocks.append(Block("Problems and diagnoses", (), tuple(problems) or ("None recorded.",)))
    objectives = defaultdict(list)
    for o in plan.objectives.all():
        objectives[o.goal_id].append(o)
    for i, goal in enumerate(plan.goals.all(), start=1):
        lines = tuple(
            f"Objective: {o.description} (measured by {o.measure or '-'}; target "
            f"{_day(o.target_on)}; {o.get_status_display().lower()})"
            for o in objectives[goal.pk]
        )
        blocks.append(
            Block(
                f"Goal {i}: {goal.description}",
                (("Skill", goal.get_skill_domain_display()),),
                lines,
            )
        )
    interventions = tuple(
        f"{iv.get_kind_display()}: {iv.frequency}"
        + (f" ({iv.responsible})" if iv.responsible else "")
        for iv in plan.interventions.all()
    )
    blocks.append(Block("Interventions", (), interventions or ("None recorded.",)))
    return Record("plan", f"Treatment plan, version {plan.version}", tuple(blocks))


# --- discharge summary ------------------------------------------------------------------------


def _measure_pairs(patient: Patient, first: date, last: date) -> list[str]:
    """For each instrument, the first result from the admission on (or the intake's, in the
    30 days before it) and the last one up to the discharge day."""
    zone = ZoneInfo(patient.site.timezone)
    lo = datetime.combine(first - timedelta(days=30), time(0), tzinfo=zone)
    hi = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    rows = ScreeningResponse.objects.filter(
        patient=patient, administered_at__gte=lo, administered_at__lt=hi
    ).order_by("administered_at", "id")
    by_instrument: dict[str, list[ScreeningResponse]] = defaultdict(list)
    for r in rows:
        by_instrument[r.instrument].append(r)
    out = []
    for code, results in sorted(by_instrument.items()):
        a, b = results[0], results[-1]
        start = f"{a.total if a.total is not None else '-'} on {_local(a.administered_at, patient):%Y-%m-%d}"
        if len(results) == 1:
            out.append(f"{_instrument(code)}: at admission {start}; no later result")
        else:
            end = f"{b.total if b.total is not None else '-'} on {_local(b.administered_at, patient):%Y-%m-%d}"
            out.append(f"{_instrument(code)}: at admission {start}; at discharge {end}")
    return out


# The discharge summary's course of treatment: this patient's own parts of the last signed
# group notes of the episode (their participation and progress on plan goals), never the
# group part or another attendee's part.
COURSE_NOTES = 6


def _course_in_groups(patient: Patient, first: date, last: date, track_id: int) -> list[str]:
    sections = (
        NoteSection.objects.filter(
            patient=patient,
            note__kind=NoteKind.GROUP,
            note__status__in=(NoteStatus.SIGNED, NoteStatus.AWAITING_COSIGNATURE),
            note__service_date__gte=first,
            note__service_date__lte=last,
            note__session__track_id=track_id,
        )
        .select_related("note")
        .order_by("-note__service_date", "-note_id")[:COURSE_NOTES]
    )
    participation = dict(formats.PARTICIPATION_CHOICES)
    out = []
    for section in reversed(list(sections)):
        content = section.content
        level = participation.get(content.get("participation", ""), "")
        progress = str(content.get("progress", "")).strip()
        text = "; ".join(x for x in (level and f"participation {level.lower()}", progress) if x)
        out.append(f"{_day(section.note.service_date)}: {text or 'no entry'}")
    return out


def discharge_record(discharge: Discharge, patient: Patient, *, group_notes: bool = True) -> Record:
    """The discharge summary. ``group_notes``: whether it quotes the patient's own parts of
    the last group notes; a copy for someone outside the program leaves them out, because
    counseling notes leave only under a consent of their own (42 CFR 2.31(b))."""
    enrollment = discharge.enrollment
    attended = [
        a
        for a in attended_sessions(patient, enrollment.starts_on, discharge.discharged_on)
        if a.minutes > 0
    ]
    blocks = [
        Block(
            "Discharge",
            (
                ("Track", enrollment.track.name),
                ("Admitted", _day(enrollment.starts_on)),
                ("Discharged", _day(discharge.discharged_on)),
                ("Type of discharge", discharge.get_kind_display()),
                ("What ended", discharge.get_scope_display()),
                ("Recorded by", discharge.recorded_by.display_name),
            ),
        ),
        Block("Summary", (), (discharge.summary,)),
        Block(
            "Continuing-care plan",
            (
                ("Next provider", discharge.next_provider),
                ("Peer support groups", discharge.peer_groups),
                ("Medications", discharge.medications),
                ("Crisis plan", discharge.crisis_plan),
            ),
        ),
        Block(
            "Attendance",
            (
                ("Days attended", str(len({a.day for a in attended}))),
                ("Sessions attended", str(len(attended))),
                ("Hours attended", _hours(sum(a.minutes for a in attended))),
            ),
        ),
        Block(
            "Measures at admission and discharge",
            (),
            tuple(_measure_pairs(patient, enrollment.starts_on, discharge.discharged_on))
            or ("No measures recorded.",),
        ),
    ]
    if group_notes:
        course = _course_in_groups(
            patient, enrollment.starts_on, discharge.discharged_on, enrollment.track_id
        )
        lines = tuple(course) or ("No signed group note.",)
    else:
        lines = (
            "Left out of a copy for someone outside the program: counseling notes leave "
            "only under a consent of their own (42 CFR 2.31(b)).",
        )
    blocks.append(
        Block(
            "Progress in groups (the last signed group notes, this patient's part only)", (), lines
        )
    )
    return Record(
        "discharge", f"Discharge summary of {_day(discharge.discharged_on)}", tuple(blocks)
    )


# --- weekly schedule --------------------------------------------------------------------------


def schedule_record(patient: Patient, week_start: date) -> Record:
    """The patient's scheduled group sessions of the week starting on `week_start`."""
    week = schedule_selectors.patient_sessions(patient, weeks=1, today=week_start)[0]
    zones = schedule_selectors.session_zones(week.sessions)
    rows = []
    for s in week.sessions:
        tz = ZoneInfo(zones[s.pk])
        start, end = s.starts_at.astimezone(tz), s.ends_at.astimezone(tz)
        rows.append(
            f"{start:%a %Y-%m-%d %H:%M}-{end:%H:%M} ({zones[s.pk]}): {s.track.name} with "
            f"{s.counselor.display_name}, {location_of(s)}"
            + (f"; topic: {s.topic}" if s.topic else "")
        )
    facts = (
        ("Week of", _day(week.week_start)),
        ("Hours scheduled", f"{week.hours:g} h"),
        ("Hours required", week.requirement or f"{week.required:g} h"),
    )
    return Record(
        "schedule",
        f"Weekly schedule, week of {_day(week.week_start)}",
        (
            Block("Week", facts),
            Block("Group sessions", (), tuple(rows) or ("No published sessions this week.",)),
        ),
    )


# --- chart summary ----------------------------------------------------------------------------


def summary_record(patient: Patient, today: date | None = None) -> Record:
    today = today or timezone.localdate()
    enrollments = list(
        Enrollment.objects.filter(patient=patient).select_related("track").order_by("starts_on")
    )
    open_ = [e for e in enrollments if e.status in OPEN_STATUSES]
    admission = (
        Admission.objects.filter(patient=patient)
        .select_related("primary_counselor")
        .order_by("-admitted_at")
        .first()
    )
    blocks = [
        Block(
            "Demographics",
            (
                ("Sex at birth", patient.get_sex_at_birth_display()),
                ("Gender identity", patient.gender_identity),
                ("Preferred language", patient.preferred_language),
                ("Phone", patient.phone),
                (
                    "Address",
                    " ".join(p for p in (patient.address, patient.city, patient.state) if p),
                ),
            ),
        ),
        Block(
            "Program and tracks",
            (
                ("Program", patient.program.name if patient.program else "-"),
                (
                    "Primary counselor",
                    admission.primary_counselor.display_name if admission else "-",
                ),
            ),
            tuple(
                f"{e.track.name}: {e.get_status_display().lower()}; admitted {_day(e.starts_on)}"
                + (f", ended {_day(e.ends_on)}" if e.ends_on else "")
                + f"; {e.required_weekly_hours.normalize():f} h a week required"
                for e in enrollments
            )
            or ("Not enrolled.",),
        ),
    ]
    plan = (
        TreatmentPlan.objects.filter(
            patient=patient,
            enrollment__in=open_ or enrollments,
            status__in=[PlanStatus.SIGNED, PlanStatus.DRAFT],
        )
        .order_by("-status", "-created_at", "-id")  # a signed plan before a draft
        .first()
    )
    if plan is None:
        blocks.append(Block("Diagnoses", (), ("No current treatment plan.",)))
    else:
        blocks.append(
            Block(
                "Diagnoses",
                (),
                tuple(
                    f"{p.icd10_code} {p.icd10_label or p.description}" for p in plan.problems.all()
                )
                or ("None recorded.",),
            )
        )
        blocks.append(
            Block(
                f"Current plan goals (version {plan.version}, {plan.get_status_display().lower()})",
                (),
                tuple(g.description for g in plan.goals.all()) or ("None recorded.",),
            )
        )
    latest: dict[str, ScreeningResponse] = {}
    for r in ScreeningResponse.objects.filter(patient=patient).order_by("-administered_at", "-id")[
        :50
    ]:
        latest.setdefault(r.instrument, r)
    blocks.append(
        Block(
            "Latest measures",
            (),
            tuple(
                f"{_instrument(code)}: {r.total if r.total is not None else '-'}"
                + (f" ({band_label(code, r.band).lower()})" if r.band else "")
                + f" on {_local(r.administered_at, patient):%Y-%m-%d}"
                for code, r in sorted(latest.items())
            )
            or ("None recorded.",),
        )
    )
    screens = list(
        DrugScreen.objects.filter(patient=patient, status=ScreenStatus.RESULTED)
        .prefetch_related("results")
        .order_by("-collected_on", "-id")[:3]
    )
    blocks.append(
        Block(
            "Recent drug screens",
            (),
            tuple(
                f"{_day(s.collected_on)}: "
                + (
                    "positive for "
                    + ", ".join(
                        r.get_substance_class_display().lower()
                        for r in s.results.all()
                        if r.value == ResultValue.POSITIVE
                    )
                    if any(r.value == ResultValue.POSITIVE for r in s.results.all())
                    else "negative"
                )
                for s in screens
            )
            or ("None resulted.",),
        )
    )
    first = today.replace(day=1)
    attended = [a for a in attended_sessions(patient, first, today) if a.minutes > 0]
    blocks.append(
        Block(
            f"Attendance this month ({first:%B %Y})",
            (
                ("Days attended", str(len({a.day for a in attended}))),
                ("Hours attended", _hours(sum(a.minutes for a in attended))),
            ),
        )
    )
    needs = Need.objects.filter(patient=patient, status=NeedStatus.OPEN).order_by("identified_on")
    blocks.append(
        Block(
            "Open needs",
            (),
            tuple(f"{n.get_kind_display()} since {_day(n.identified_on)}" for n in needs)
            or ("None open.",),
        )
    )
    return Record("summary", f"Chart summary of {_day(today)}", tuple(blocks))


def documents_for(patient: Patient, *, care: bool, notes: bool) -> dict[str, list[Any]]:
    """The patient's plans and discharges (with `care`) and signed notes about them (with
    `notes`) that can be printed: at most three queries."""
    out: dict[str, list[Any]] = {"plans": [], "discharges": [], "notes": []}
    if care:
        out["plans"] = list(
            TreatmentPlan.objects.filter(patient=patient)
            .select_related("enrollment__track")
            .order_by("-created_at", "-id")
        )
        out["discharges"] = list(
            Discharge.objects.filter(patient=patient)
            .select_related("enrollment__track")
            .order_by("-discharged_on", "-id")
        )
    if notes:
        out["notes"] = list(
            Note.objects.filter(signed_at__isnull=False, organization_id=patient.organization_id)
            .filter(Q(patient=patient) | Q(kind=NoteKind.GROUP, sections__patient=patient))
            .distinct()
            .select_related("session__track")
            .order_by("-service_date", "-id")[:50]
        )
    return out


def consents_for(patient: Patient) -> list[Consent]:
    """The patient's consents to a named recipient that are in effect now (signed, not
    revoked, replaced, expired or ended with treatment): the recipients a copy can go to.
    Whether one covers this record and purpose is the gate's decision at download."""
    known = gate.load([patient.pk])[patient.pk]
    now = timezone.now()
    current = [
        f.id
        for f in known.consents
        if f.kind in NAMED_KINDS
        and f.data
        and decide(
            [f],
            DisclosureRequest(
                recipient=f.recipient,
                purpose=f.purpose,
                data=frozenset(sorted(f.data)[:1]),
                at=now.astimezone(ZoneInfo(known.zone)),
            ),
        ).allowed
    ]
    return list(
        Consent.objects.filter(pk__in=current).defer("scan").order_by("-recorded_at", "-id")
    )
