"""The proof-of-attendance letter (PDF, fpdf2): only what the patient consented to disclose.

A letter is made under one of the patient's recorded consents to a named recipient (42 CFR
2.31), through the one disclosure gate (`openiop.privacy.gate`). Always: the organization,
the patient's name, the period, the recipient and purpose from the consent, a reference
number, and at the bottom the full notice of 42 CFR 2.32(a)(1) with a summary of the
consent's scope (2.32(b)). The rest only when ticked and covered by the consent: dates
attended, hours, date of birth, program type, and a diagnosis statement worded as the
patient agreed.

The PDF is rendered deterministically from the `Disclosure` row (fixed creation date, no
compression) so the recorded SHA-256 can be checked against a copy at any time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from django.utils import timezone
from fpdf import FPDF

from openiop.core.pdftext import latin1 as _latin1
from openiop.delivery.hours import AttendedSession, attended_sessions, monday_of
from openiop.delivery.models import Disclosure
from openiop.domain.consent import DATA, PURPOSES, DisclosureRequest, decide
from openiop.organization.models import TrackKind
from openiop.patients.models import Patient
from openiop.privacy import gate
from openiop.privacy.models import Consent

PART2_NOTICE = gate.NOTICE
ITEMS = {
    "dates": "Dates attended",
    "hours": "Hours attended",
    "date_of_birth": "Date of birth",
    "program": "Program type",
    "diagnosis": "Diagnosis statement",
}
# What kind of information (`openiop.domain.consent.DATA`) each item discloses; the consent
# must cover every ticked item's.
ITEM_DATA = {
    "dates": "attendance",
    "hours": "attendance",
    "date_of_birth": "demographics",
    "program": "attendance",
    "diagnosis": "diagnosis",
}


def items_data(items: Iterable[str]) -> set[str]:
    return {ITEM_DATA[i] for i in items if i in ITEM_DATA}


def letter_consents(patient: Patient) -> list[Consent]:
    """The patient's consents to a named recipient under which a letter can be made now: in
    effect (signed, not revoked, replaced, expired or ended with treatment) and covering at
    least the dates attended. Two queries and one of the gate's decisions per consent."""
    known = gate.load([patient.pk])[patient.pk]
    now = timezone.localtime()  # an expiry day is the clinic's day
    covering = [
        f.id
        for f in known.consents
        if f.kind == "named"
        and decide(
            [f],
            DisclosureRequest(
                recipient=f.recipient,
                purpose=f.purpose,
                data=frozenset({"attendance"}),
                at=now,
            ),
        ).allowed
    ]
    return list(Consent.objects.filter(pk__in=covering).order_by("-recorded_at", "-id"))


def consent_label(consent: Consent) -> str:
    """A consent as the letter form lists it, in words."""
    data = ", ".join(DATA.get(d, d).lower() for d in consent.data)
    until = (
        f"until {consent.expires_on:%d %b %Y}"
        if consent.expires_on
        else "until the end of treatment"
        if consent.ends_with_treatment
        else "no expiry"
    )
    return (
        f"To {consent.recipient_name}, for {PURPOSES.get(consent.purpose, consent.purpose).lower()}"
        f"; covers {data}; signed by {consent.signer_name} on {consent.signed_on:%d %b %Y}, "
        f"{until}"
    )


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min"


def _line(pdf: FPDF, text: str, size: int = 11, style: str = "", height: float = 6) -> None:
    """A paragraph of Helvetica across the page, from the left margin."""
    pdf.set_font("Helvetica", style=style, size=size)
    pdf.multi_cell(0, height, _latin1(text), new_x="LMARGIN", new_y="NEXT")


def render(disclosure: Disclosure) -> bytes:
    patient = disclosure.patient
    organization = patient.organization
    attended = [
        a
        for a in attended_sessions(patient, disclosure.period_start, disclosure.period_end)
        if a.minutes > 0
    ]
    what = set(disclosure.what)

    pdf = FPDF(format="letter")
    pdf.compress = False
    created = disclosure.created_at.astimezone(UTC)
    pdf.set_creation_date(created)
    pdf.set_title("Proof of attendance")
    pdf.set_author(_latin1(organization.name))
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    _letterhead(pdf, disclosure, created)
    _line(pdf, "Proof of attendance", 13, "B", 8)
    who = f"{patient.first_name} {patient.last_name}"
    if "date_of_birth" in what:
        who += f" (born {patient.date_of_birth.isoformat()})"
    program = _program_phrase(disclosure) if "program" in what else ""
    days = sorted({a.day for a in attended})
    _line(
        pdf,
        f"This letter confirms that {who} attended scheduled sessions{program} at "
        f"{organization.name} between {disclosure.period_start.isoformat()} and "
        f"{disclosure.period_end.isoformat()}: {len(days)} day(s) of attendance in this period.",
    )
    if "diagnosis" in what and disclosure.statement:
        pdf.ln(2)
        _line(pdf, f"At the patient's request we also state: {disclosure.statement}")
    if "dates" in what:
        _dates_attended(pdf, attended, with_hours="hours" in what)
    if "hours" in what:
        _hours_attended(pdf, attended)
    _consent_and_notice(pdf, disclosure)
    return bytes(pdf.output())


def _letterhead(pdf: FPDF, disclosure: Disclosure, created: datetime) -> None:
    """The organization and site, then the date, reference, recipient and purpose."""
    site = disclosure.patient.site
    _line(pdf, disclosure.patient.organization.name, 14, "B", 8)
    _line(pdf, f"{site.name}, {site.address}, {site.city}, {site.state} {site.zip_code}", 10)
    if site.phone:
        _line(pdf, f"Telephone {site.phone}", 10)
    pdf.ln(4)
    _line(pdf, f"Date: {created.date().isoformat()}")
    _line(pdf, f"Reference: disclosure {disclosure.pk}")
    _line(pdf, f"To: {disclosure.recipient}")
    _line(pdf, f"Purpose: {disclosure.purpose}")
    pdf.ln(4)


def _program_phrase(disclosure: Disclosure) -> str:
    """ " in our intensive outpatient program (<track kinds>)", for the "program" item."""
    kinds = sorted(
        {
            TrackKind(e.track.kind).label.lower()
            for e in disclosure.patient.enrollments.select_related("track").all()
        }
    )
    if kinds:
        return f" in our intensive outpatient program ({', '.join(kinds)})"
    return " in our intensive outpatient program"


def _dates_attended(pdf: FPDF, attended: list[AttendedSession], *, with_hours: bool) -> None:
    """The local days attended, with each day's hours when hours are disclosed too."""
    pdf.ln(3)
    _line(pdf, "Dates attended", 11, "B")
    per_day: dict[str, int] = defaultdict(int)
    for a in attended:
        per_day[a.day.isoformat()] += a.minutes
    text = ", ".join(
        f"{day} ({_hours(m)})" if with_hours else day for day, m in sorted(per_day.items())
    )
    _line(pdf, text or "No attendance in this period.", 10)


def _hours_attended(pdf: FPDF, attended: list[AttendedSession]) -> None:
    """Hours attended per week (from Monday) and in total."""
    pdf.ln(3)
    _line(pdf, "Hours attended", 11, "B")
    weeks: dict[str, int] = defaultdict(int)
    for a in attended:
        weeks[monday_of(a.day).isoformat()] += a.minutes
    for week, minutes in sorted(weeks.items()):
        _line(pdf, f"Week of {week}: {_hours(minutes)}", 10)
    _line(pdf, f"Total: {_hours(sum(a.minutes for a in attended))}", 10, "B")


def _consent_and_notice(pdf: FPDF, disclosure: Disclosure) -> None:
    """Whose consent released the letter, its scope (42 CFR 2.32(b)) and the notice of
    42 CFR 2.32(a)(1) that must accompany it."""
    pdf.ln(6)
    consent = disclosure.consent
    if consent is not None:
        _line(pdf, gate.consent_summary(consent), 9)
    else:  # a letter made before consents were recorded
        _line(
            pdf,
            f"Released with the written consent of {disclosure.consent_given_by} dated "
            f"{disclosure.consent_on.isoformat()}. It states only what that consent covers.",
            9,
        )
    pdf.ln(4)
    _line(pdf, "Notice to the recipient (42 CFR 2.32)", 9, "B")
    _line(pdf, gate.NOTICE, 8, "", 4)
