"""The accounting of disclosures as a PDF the patient can be given (42 CFR 2.25; the content
of 45 CFR 164.528(b)(2): for each disclosure the date, the recipient, a brief description of
the information and a brief statement of the purpose; emergency disclosures of 42 CFR 2.51
with the emergency's details).

Rendered deterministically like the attendance letter (`openiop.delivery.letter`): the
creation date is the last day of the period and the streams are not compressed, so the same
accounting renders to the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from fpdf import FPDF
from fpdf.fonts import FontFace

from openiop.core.pdftext import latin1 as _latin1
from openiop.patients.models import Patient
from openiop.privacy.selectors_records import Row

COLUMNS = ("Date", "Recipient", "Information", "Purpose", "How and under which consent")
WIDTHS = (26, 38, 42, 30, 40)


def _line(pdf: FPDF, text: str, size: int = 10, style: str = "", height: float = 5) -> None:
    pdf.set_font("Helvetica", style=style, size=size)
    pdf.multi_cell(0, height, _latin1(text), new_x="LMARGIN", new_y="NEXT")


def _recipient(r: Row) -> str:
    text = f"{r.recipient} ({r.recipient_kind.lower()})"
    d = r.disclosure
    if d.emergency:
        who = ", ".join(x for x in (d.emergency_personnel, d.emergency_affiliation) if x)
        if who:
            text += f"; received by {who}"
    return text


def _purpose(r: Row) -> str:
    d = r.disclosure
    if d.emergency and d.emergency_nature:
        return f"{r.purpose}. Emergency: {d.emergency_nature}"
    return r.purpose


def render(patient: Patient, rows: Sequence[Row], start: date, end: date) -> bytes:
    organization = patient.organization
    pdf = FPDF(format="letter")
    pdf.compress = False
    pdf.set_creation_date(datetime.combine(end, time(), tzinfo=UTC))
    pdf.set_title("Accounting of disclosures")
    pdf.set_author(_latin1(organization.name))
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    _line(pdf, organization.name, 14, "B", 8)
    _line(pdf, "Accounting of disclosures of your records", 12, "B", 7)
    pdf.ln(2)
    _line(pdf, f"Patient: {patient.first_name} {patient.last_name} (record {patient.mrn})")
    _line(pdf, f"Period: {start:%d %B %Y} to {end:%d %B %Y}")
    pdf.ln(2)
    _line(
        pdf,
        "This is the list of every disclosure of your substance use disorder treatment records "
        "that the program made with your written consent in this period, and every disclosure "
        "made without consent in a medical emergency or, for audit and evaluation, to a "
        "government agency (42 CFR 2.25, 2.51 and 2.53).",
        9,
    )
    pdf.ln(3)
    if rows:
        pdf.set_font("Helvetica", size=8)
        with pdf.table(
            col_widths=WIDTHS,
            text_align="LEFT",
            line_height=4,
            headings_style=FontFace(emphasis="BOLD"),
        ) as table:
            heading = table.row()
            for title in COLUMNS:
                heading.cell(title)
            for r in rows:
                line = table.row()
                line.cell(_latin1(f"{r.when:%d %b %Y %H:%M}"))
                line.cell(_latin1(_recipient(r)))
                line.cell(_latin1(r.information))
                line.cell(_latin1(_purpose(r)))
                line.cell(_latin1(f"{r.channel}; {r.basis}"))
    else:
        _line(pdf, "The program made no disclosure of your records in this period.")
    pdf.ln(4)
    _line(
        pdf,
        "If you have a question about this list, or think a disclosure is missing or wrong, "
        f"ask your counselor or write to the privacy officer of {organization.name}. You may "
        "also ask for a list covering a different part of the last three years.",
        9,
    )
    return bytes(pdf.output())
