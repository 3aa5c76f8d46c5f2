"""The concurrent-review packet (PDF, fpdf2 as the attendance letter): what a payer's reviewer
asks for to extend an authorization, and only what billing staff may see (minimum necessary):
diagnosis codes of the treatment plan in effect, attended hours of the recent weeks, the
latest measure totals, plan progress as counts of objectives, and the taper phase. Never note
text, problem or objective descriptions, or screening answers.

It is a disclosure to the payer for payment: `services.review_packet_issue` asks the one gate
(`openiop.privacy.gate`) for a consent covering `DATA`, and the PDF ends with the summary of
that consent (42 CFR 2.32(b)) and the notice of 42 CFR 2.32(a)(1)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from fpdf import FPDF

from openiop.authorizations.models import Authorization
from openiop.care.common import OPEN_ENROLLMENT, monday
from openiop.care.measures import selectors as measures
from openiop.care.models import EnrollmentPhase, RecommendationStatus, TaperRecommendation
from openiop.care.taper.inputs import current_plan, policy_for
from openiop.core.pdftext import latin1 as _latin1
from openiop.delivery.hours import attended_sessions
from openiop.domain.authorization import Forecast
from openiop.organization.models import TrackKind
from openiop.patients.models import Enrollment
from openiop.privacy import gate
from openiop.privacy.models import Consent

ATTENDANCE_WEEKS = 4
# What the packet discloses, in the consent's terms (`openiop.domain.consent.DATA`): name,
# record number and birth date; diagnosis codes; attended hours; measure totals; plan
# progress and level of care.
DATA = frozenset({"demographics", "diagnosis", "attendance", "screenings", "treatment_plan"})


@dataclass(frozen=True)
class Packet:
    diagnoses: list[str]
    attendance: list[str]
    measures: list[str]
    plan: str
    taper: str
    part2: bool


def _hours(minutes: float) -> str:
    return f"{minutes / 60:.1f} h"


def gather(auth: Authorization, today: date) -> Packet:
    patient = auth.patient
    enrollment = (
        Enrollment.objects.filter(patient=patient, status__in=OPEN_ENROLLMENT)
        .select_related("track", "patient")
        .order_by("starts_on", "pk")
        .first()
    )
    diagnoses: list[str] = []
    plan_text = "No treatment plan recorded."
    taper_text = "No taper phase recorded."
    measure_lines: list[str] = []
    if enrollment is not None:
        plan = current_plan(enrollment)
        if plan is not None:
            diagnoses = [
                f"{p.icd10_code} {p.icd10_label}".strip()
                for p in plan.problems.order_by("pk")  # codes only, never the description
            ]
            counts = {"met": 0, "on_track": 0, "behind": 0}
            for status in plan.objectives.values_list("status", flat=True):
                counts[status] = counts.get(status, 0) + 1
            plan_text = (
                f"Treatment plan version {plan.version} ({plan.get_status_display().lower()}): "
                f"{counts['met']} objectives met, {counts['on_track']} on track, "
                f"{counts['behind']} behind."
            )
        stored = EnrollmentPhase.objects.filter(enrollment=enrollment).first()
        if stored is not None:
            label = next(
                (p.label for p in policy_for(enrollment).phases if p.id == stored.phase_id),
                stored.phase_id,
            )
            taper_text = f"{label} since {stored.started_on:%d %B %Y}."
        else:
            taper_text = (
                f"No step-down yet: {enrollment.required_weekly_hours} required hours a week."
            )
        last = (
            TaperRecommendation.objects.filter(enrollment=enrollment)
            .exclude(status=RecommendationStatus.SUPERSEDED)
            .first()
        )
        if last is not None:
            when = timezone.localtime(last.created_at).date()
            taper_text += (
                f" Latest recommendation ({when:%d %B %Y}): {last.get_decision_display().lower()}"
                f" to {last.target_phase_label}, {last.get_status_display().lower()}."
            )
        for instrument, rows in sorted(measures.enrollment_scores(enrollment).items()):
            totals = [r for r in rows if r.total is not None]
            if not totals:
                continue
            first, latest = totals[0], totals[-1]
            line = (
                f"{measures.instrument_name(instrument)}: {latest.total} on "
                f"{latest.on:%d %B %Y} ({measures.band_label(instrument, latest.band)})"
            )
            if len(totals) > 1:
                line += f"; first {first.total} on {first.on:%d %B %Y}"
            measure_lines.append(line)
    end = monday(today) - timedelta(days=1)
    start = monday(today) - timedelta(weeks=ATTENDANCE_WEEKS)
    per_week: dict[date, int] = defaultdict(int)
    for s in attended_sessions(patient, start, end):
        per_week[monday(s.day)] += s.minutes
    required = int(enrollment.required_weekly_hours * 60) if enrollment else 0
    attendance = []
    week = start
    while week <= end:
        text = f"Week of {week:%d %B %Y}: {_hours(per_week.get(week, 0))} attended"
        if required:
            text += f" of {_hours(required)} required"
        attendance.append(text)
        week += timedelta(weeks=1)
    part2 = enrollment is None or enrollment.track.kind != TrackKind.MENTAL_HEALTH
    return Packet(diagnoses, attendance, measure_lines, plan_text, taper_text, part2)


def render(
    auth: Authorization,
    f: Forecast,
    today: date,
    consent: Consent | None = None,
    *,
    with_measures: bool = True,
) -> bytes:
    data = gather(auth, today)
    pdf = FPDF(format="letter")
    pdf.compress = False
    pdf.set_creation_date(timezone.now())
    pdf.set_title("Concurrent review")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()

    def line(text: str, size: int = 11, style: str = "", height: float = 6) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(0, height, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def heading(text: str) -> None:
        pdf.ln(3)
        line(text, 12, "B", 7)

    p = auth.patient
    line("Concurrent review", 14, "B", 8)
    line(f"Prepared {today:%d %B %Y}")
    heading("Patient and authorization")
    line(f"{p.last_name}, {p.first_name}; record number {p.mrn}; born {p.date_of_birth:%d %B %Y}")
    line(
        f"{auth.payer.name}, authorization {auth.number}: {auth.units_authorized.normalize():f} "
        f"{auth.get_unit_kind_display().lower()} of {auth.service} from "
        f"{auth.starts_on:%d %B %Y} to {auth.ends_on:%d %B %Y}"
    )
    if auth.review_contact_name or auth.review_contact_phone:
        line(f"Review contact: {auth.review_contact_name} {auth.review_contact_phone}".strip())
    heading("Forecast")
    line(f.basis)
    heading("Diagnoses (ICD-10-CM)")
    for d in data.diagnoses or ["No diagnosis recorded on the treatment plan."]:
        line(d)
    heading(f"Attendance, last {ATTENDANCE_WEEKS} complete weeks")
    for a in data.attendance:
        line(a)
    heading("Measures")
    if not with_measures:
        line("Not included: the patient's consent does not cover screening and measure results.")
    else:
        for m in data.measures or ["No measure recorded."]:
            line(m)
    heading("Treatment plan progress")
    line(data.plan)
    heading("Level of care")
    line(data.taper)
    pdf.ln(4)
    if consent is not None:
        line(gate.consent_summary(consent), 9, "", 5)
        pdf.ln(2)
    line("Notice to the recipient (42 CFR 2.32)", 9, "B", 5)
    line(gate.NOTICE, 8, "", 4)
    return bytes(pdf.output())
