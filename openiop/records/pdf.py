"""The one layout of a printed record (PDF, fpdf2, as the attendance letter and the review
packet): the program's letterhead (organization, site, address, telephone), the patient's
name, date of birth and record number, "printed on ... by ...", the document's sections, and
a closing block with the notice of 42 CFR 2.32(a)(1) (and, when the record leaves the
program, the summary of the consent it leaves under, 2.32(b)). Every page ends with a
footer: the abbreviated notice of 2.32(a)(2), the patient's name and record number, who
printed it and "page n of m".

42 CFR 2.32: https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2/subpart-B/section-2.32

The file is not compressed, so its text can be searched and checked by the tests.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from fpdf import FPDF

from openiop.patients.models import Patient
from openiop.privacy import gate

MARGIN = 18
FOOTER_HEIGHT = 16


def latin1(text: str) -> str:
    """The PDF's built-in font covers Latin-1; other letters lose their accents (or become
    '?') rather than failing."""
    out = []
    for ch in str(text):
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


@dataclass(frozen=True)
class Block:
    """One section of a record: a heading, then label/value facts and paragraphs."""

    heading: str
    facts: tuple[tuple[str, str], ...] = ()
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Record:
    """What a document prints, whatever its kind: built by `records.selectors`."""

    kind: str  # "note", "plan", "discharge", "schedule", "summary"
    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Stamp:
    """Who printed the record and when; the consent when it leaves the program."""

    printed_by: str
    printed_at: datetime  # local time of the patient's site
    consent_summary: str = ""
    recipient: str = ""
    purpose: str = ""
    # The date of birth is printed unless the copy leaves under a consent that does not
    # cover demographics (an employer's attendance consent: the name and record number
    # identify the patient, minimum necessary).
    birth_date: bool = True


def letterhead_lines(patient: Patient) -> list[str]:
    """The organization, the patient's site with its address, and its telephone."""
    site = patient.site
    lines = [patient.organization.name]
    address = ", ".join(
        part for part in (site.address, site.city, f"{site.state} {site.zip_code}".strip()) if part
    )
    lines.append(f"{site.name}, {address}" if address else site.name)
    if site.phone:
        lines.append(f"Telephone {site.phone}")
    return lines


class _Document(FPDF):
    """FPDF with the record's page footer."""

    footer_text = ""

    def footer(self) -> None:
        self.set_y(-FOOTER_HEIGHT)
        self.set_font("Helvetica", size=7)
        self.multi_cell(0, 3.5, latin1(gate.NOTICE_SHORT), new_x="LMARGIN", new_y="NEXT")
        self.multi_cell(
            0,
            3.5,
            latin1(f"{self.footer_text} - page {self.page_no()} of {{nb}}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )


def render(record: Record, patient: Patient, stamp: Stamp) -> bytes:
    """The record as PDF bytes, with letterhead, patient identity, notice and footer."""
    pdf = _Document(format="letter")
    pdf.compress = False
    pdf.set_creation_date(stamp.printed_at)
    pdf.set_title(latin1(record.title))
    pdf.set_author(latin1(patient.organization.name))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=FOOTER_HEIGHT + 6)
    # The site's zone abbreviation after the time (EST, EDT...): the reader may be elsewhere.
    when = f"{stamp.printed_at:%Y-%m-%d %H:%M} {stamp.printed_at.tzname() or ''}".rstrip()
    printed = f"printed on {when} by {stamp.printed_by}"
    pdf.footer_text = f"{patient.first_name} {patient.last_name}, record {patient.mrn}, {printed}"
    pdf.add_page()

    def line(text: str, size: int = 10, style: str = "", height: float = 5) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(0, height, latin1(text), new_x="LMARGIN", new_y="NEXT")

    head = letterhead_lines(patient)
    line(head[0], 14, "B", 7)
    for rest in head[1:]:
        line(rest, 9, "", 4.5)
    pdf.ln(3)
    line(record.title, 13, "B", 7)
    born = f" - date of birth {patient.date_of_birth:%Y-%m-%d}" if stamp.birth_date else ""
    line(f"Patient: {patient.first_name} {patient.last_name}{born} - record number {patient.mrn}")
    line(f"Printed on {when} by {stamp.printed_by}", 9)
    if stamp.recipient:
        line(f"Released to: {stamp.recipient}", 9)
        line(f"Purpose: {stamp.purpose}", 9)
    else:
        line("For use inside the program.", 9)
    for block in record.blocks:
        pdf.ln(3)
        line(block.heading, 11, "B", 6)
        for label, value in block.facts:
            line(f"{label}: {value or '-'}")
        for text in block.lines:
            line(text)
    pdf.ln(6)
    if stamp.consent_summary:
        line(stamp.consent_summary, 8, "", 4)
        pdf.ln(2)
    line("Notice (42 CFR 2.32)", 8, "B", 4)
    line(gate.NOTICE, 7, "", 3.5)
    return bytes(pdf.output())
