"""The patient's papers from billing (PDF, fpdf2 as the attendance letter and the review
packet): the good-faith estimate (or the insured estimate) and the statement of what the
patient owes after their payments. Only billing data: no note text, no screening answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.utils import timezone
from fpdf import FPDF

from openiop.billing.estimates import SERVICE_CODES, Statement, provider_of, recompute
from openiop.billing.models import BillingProvider, CostEstimate
from openiop.core.pdftext import latin1 as _latin1
from openiop.domain.billing import good_faith
from openiop.domain.costing.money import usd
from openiop.patients.models import Patient

Line = Callable[..., None]


def _pdf(title: str) -> tuple[FPDF, Line, Line]:
    pdf = FPDF(format="letter")
    pdf.compress = False  # plain text in the file: searchable, and checked by the tests
    pdf.set_creation_date(timezone.now())
    pdf.set_title(title)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()

    def line(text: str, size: int = 11, style: str = "", height: float = 6) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(0, height, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def heading(text: str) -> None:
        pdf.ln(3)
        line(text, 12, "B", 7)

    return pdf, line, heading


def _zip(code: str) -> str:
    return f"{code[:5]}-{code[5:]}" if len(code) == 9 else code


def _phone(number: str) -> str:
    return f"({number[:3]}) {number[3:6]}-{number[6:]}" if len(number) == 10 else number


def _provider_lines(bp: BillingProvider | None, patient: Patient) -> list[str]:
    if bp is None:
        return [patient.organization.name, "Contact: the program's billing office."]
    return [
        bp.name,
        f"{bp.address}, {bp.city}, {bp.state} {_zip(bp.zip_code)}",
        f"Contact: {bp.contact_name}, {_phone(bp.contact_phone)}",
    ]


def _day(d: date) -> str:
    return f"{d:%d %B %Y}"


def render_estimate(row: CostEstimate) -> bytes:
    p = row.patient
    bp = provider_of(p)
    days = row.weeks * row.days_per_week
    title = (
        "Good Faith Estimate for Health Care Items and Services"
        if row.good_faith
        else "Cost estimate for health care items and services"
    )
    pdf, line, heading = _pdf(title)
    line(title, 14, "B", 8)
    line(f"Estimate number {row.pk}, issued {_day(timezone.localtime(row.created_at).date())}")
    heading("Patient")
    line(f"Patient name: {p.first_name} {p.last_name}")
    line(f"Patient date of birth: {_day(p.date_of_birth)}")
    heading("Provider")
    if bp is not None:
        line(f"Provider name: {bp.name}")
        line(f"National Provider Identifier (NPI): {bp.npi}")
        line(f"Taxpayer Identification Number (TIN): {bp.tax_id}")
        line(
            f"Location where services are expected: {bp.address}, {bp.city}, "
            f"State {bp.state} {_zip(bp.zip_code)}"
        )
        line(f"Contact: {bp.contact_name}, {_phone(bp.contact_phone)}")
    heading("Primary service")
    line(
        f"Intensive outpatient program: {row.days_per_week} program days a week for "
        f"{row.weeks} weeks ({days} program days), expected from {_day(row.starts_on)} "
        f"to {_day(row.ends_on)}."
    )
    heading("Itemized expected charges")
    line(f"Service code {row.service_code}: {SERVICE_CODES.get(row.service_code, '')}")
    line(f"{days} program days x {usd(row.daily_rate)} a day = expected charge {usd(row.total)}")
    line(
        "Diagnosis codes (ICD-10-CM): "
        + (", ".join(row.diagnoses) if row.diagnoses else "none recorded yet")
    )
    line(f"Total estimated charges: {usd(row.total)}", 12, "B", 7)
    if row.good_faith:
        heading("Items or services to be scheduled separately")
        line(
            "None are expected at the time of this estimate. Care that must be scheduled or "
            "requested separately is not included (see below)."
        )
        heading("Disclaimers")
        for sentence in good_faith.DISCLAIMERS:
            line(sentence, 10, "", 5)
            pdf.ln(1)
        line(good_faith.KEEP_A_COPY, 10, "", 5)
    else:
        line(f"Your estimated share under your plan: {usd(row.patient_share)}", 12, "B", 7)
        heading("About this estimate")
        line(good_faith.NOT_APPLICABLE, 10, "", 5)
        for sentence in recompute(row):
            line(sentence, 10, "", 5)
    return bytes(pdf.output())


def render_statement(patient: Patient, statement: Statement, today: date) -> bytes:
    pdf, line, heading = _pdf("Statement")
    for n, text in enumerate(_provider_lines(provider_of(patient), patient)):
        line(text, 12 if n == 0 else 10, "B" if n == 0 else "", 6)
    pdf.ln(2)
    line("Statement", 14, "B", 8)
    line(f"Date: {_day(today)}")
    line(f"Patient: {patient.first_name} {patient.last_name}; account {patient.mrn}")
    heading("Claims your insurer has answered")
    if not statement.lines:
        line("No claim has been answered by an insurer yet.")
    for s in statement.lines:
        c = s.claim
        line(
            f"{_day(c.first_day)} to {_day(c.last_day)} ({c.payer.name}): billed "
            f"{usd(s.billed)}; paid by your insurer {usd(s.insurer_paid)}; "
            f"your share {usd(s.your_share)}",
            10,
            "",
            5,
        )
    heading("Payments you made")
    if not statement.payments:
        line("No payment from you has been recorded.")
    for pay in statement.payments:
        line(f"{_day(pay.received_on)}: {pay.method.lower()}, {usd(pay.amount)}", 10, "", 5)
    heading("Totals")
    line(f"Total billed: {usd(statement.billed)}")
    line(f"Total paid by your insurer: {usd(statement.insurer_paid)}")
    line(f"Your share: {usd(statement.owed)}")
    line(f"Total of your payments: {usd(statement.paid_by_patient)}")
    left = statement.balance
    line(f"Amount you owe: {usd(left.owed)}", 12, "B", 7)
    if left.credit:
        line(f"You have a credit of {usd(left.credit)}.", 12, "B", 7)
    pdf.ln(2)
    line(
        "Your share is what your insurer said you are responsible for (deductible, "
        "coinsurance, copay). The amount you owe is your share less the payments you made to "
        "the program.",
        10,
        "",
        5,
    )
    return bytes(pdf.output())
