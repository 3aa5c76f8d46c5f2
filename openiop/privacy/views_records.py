"""Pages of the Part 2 records: a patient's accounting of disclosures (42 CFR 2.25) on screen
and as a PDF, the program's disclosure report with its CSV, and the breach log (45 CFR
164.402-408 through 42 CFR 2.16). Every read is audited; filters carry dates only."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from openiop.accounts.models import User
from openiop.core import access, audit, csvstream, policy
from openiop.core.forms import render_form, submit
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.privacy import accounting, selectors_records, services_breach
from openiop.privacy.forms_records import (
    AccountingForm,
    AssessForm,
    BreachForm,
    CloseForm,
    NotifyForm,
    ReportForm,
)
from openiop.privacy.models import Breach

REPORT_PAGE = 50
BREACH_TYPE = "privacy.breach"


def _consent_url(patient_id: int, consent_id: int | None) -> str:
    """The consent's page, when the consent pages are installed."""
    if consent_id is None:
        return ""
    for kwargs in ({"pk": consent_id}, {"pk": patient_id, "consent_pk": consent_id}):
        try:
            return reverse("privacy:consent", kwargs=kwargs)
        except NoReverseMatch:
            continue
    return ""


def _period(request: HttpRequest, form: AccountingForm | ReportForm) -> tuple[date, date] | None:
    """The chosen period, or None when the filter is invalid (the form carries why)."""
    today = timezone.localdate()
    if form.is_bound and not form.is_valid():
        return None
    return form.period(today)


def _filters(request: HttpRequest, keys: tuple[str, ...]) -> dict[str, str]:
    return {k: request.GET[k] for k in keys if request.GET.get(k)}


# The accounting of disclosures of one patient.
def accounting_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.DISCLOSURE_READ, request=request)
    form = AccountingForm(_filters(request, ("from", "to")) or None)
    period = _period(request, form)
    context: dict[str, Any] = {"patient": patient, "form": form}
    if period is None:
        return render(request, "privacy/accounting.html", context, status=400)
    start, end = period
    rows = selectors_records.patient_disclosures(patient, start, end)
    audit.record(
        actor=user,
        action=AuditAction.VIEW,
        patient=patient,
        object_type="privacy.disclosure",
        request=request,
        detail=f"accounting of disclosures {start.isoformat()} to {end.isoformat()}",
        part2=True,
    )
    context.update(
        start=start,
        end=end,
        rows=[(r, _consent_url(patient.pk, r.consent_id)) for r in rows],
        query=request.GET.urlencode(),
    )
    return render(request, "privacy/accounting.html", context)


def accounting_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.DISCLOSURE_READ, request=request)
    form = AccountingForm(_filters(request, ("from", "to")) or None)
    period = _period(request, form)
    if period is None:
        return render(
            request, "privacy/accounting.html", {"patient": patient, "form": form}, status=400
        )
    start, end = period
    rows = selectors_records.patient_disclosures(patient, start, end)
    content = accounting.render(patient, rows, start, end)
    audit.record(
        actor=user,
        action=AuditAction.PRINT,
        patient=patient,
        object_type="privacy.disclosure",
        request=request,
        detail=f"accounting of disclosures (PDF) {start.isoformat()} to {end.isoformat()}",
        part2=True,
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="disclosures-{patient.pk}.pdf"'
    return response


# The program's disclosure report.
def _report_input(
    request: HttpRequest, user: User
) -> tuple[ReportForm, tuple[date, date] | None, str]:
    form = ReportForm(_filters(request, ("from", "to", "channel")) or None)
    period = _period(request, form)
    channel = form.cleaned_data.get("channel", "") if form.is_bound and period else ""
    return form, period, channel or ""


def report(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(
        user, Action.DISCLOSURE_REPORT, request=request, object_type="privacy.disclosure"
    )
    form, period, channel = _report_input(request, user)
    if period is None:
        return render(request, "privacy/report.html", {"form": form, "page": None}, status=400)
    start, end = period
    org_id = access.organization_id(user)
    qs = selectors_records.organization_disclosures(org_id, start, end, channel)
    page = Paginator(qs, REPORT_PAGE).get_page(request.GET.get("page"))
    audit.record(
        actor=user,
        action=AuditAction.QUERY,
        object_type="privacy.disclosure",
        request=request,
        detail=f"disclosure report {start.isoformat()} to {end.isoformat()}",
        part2=False,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "privacy/report.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "page": page,
            "rows": [selectors_records.row(d) for d in page.object_list],
            "counts": selectors_records.counts(qs),
            "refused": selectors_records.refused_disclosures(org_id, start, end),
            "query": query.urlencode(),
        },
    )


CSV_COLUMNS = [
    "Date and time",
    "Record number",
    "Recipient",
    "Kind of recipient",
    "Information",
    "Purpose",
    "How",
    "Consent or emergency",
    "Made by",
]


def report_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = access.staff(request)
    policy.require(
        user, Action.DISCLOSURE_REPORT, request=request, object_type="privacy.disclosure"
    )
    form, period, channel = _report_input(request, user)
    if period is None:
        return render(request, "privacy/report.html", {"form": form, "page": None}, status=400)
    start, end = period
    qs = selectors_records.organization_disclosures(
        access.organization_id(user), start, end, channel
    )
    audit.record(
        actor=user,
        action=AuditAction.EXPORT,
        object_type="privacy.disclosure",
        request=request,
        detail=f"disclosure report CSV {start.isoformat()} to {end.isoformat()}",
        part2=True,
    )

    def rows() -> Any:
        for d in qs.iterator(2000):
            r = selectors_records.row(d)
            yield [
                r.when.isoformat(),
                d.patient.mrn,
                r.recipient,
                r.recipient_kind,
                r.information,
                r.purpose,
                r.channel,
                r.basis,
                r.made_by,
            ]

    return csvstream.response(
        CSV_COLUMNS, rows(), filename=f"disclosures-{start.isoformat()}-{end.isoformat()}.csv"
    )


# The breach log.
def _require_breach(user: User, request: HttpRequest, pk: object = "") -> None:
    policy.require(
        user, Action.BREACH_MANAGE, request=request, object_type=BREACH_TYPE, object_id=str(pk)
    )


def breach_for(user: User, pk: int, request: HttpRequest) -> Breach:
    """The entry of the user's organization's log (else an audited 404)."""
    _require_breach(user, request, pk)
    breach = Breach.objects.filter(pk=pk, organization_id=access.organization_id(user)).first()
    if breach is None:
        raise access.not_found(user, BREACH_TYPE, pk, request=request)
    return breach


def breaches(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    _require_breach(user, request)
    today = timezone.localdate()
    return render(
        request,
        "privacy/breach_list.html",
        {"lines": selectors_records.breach_log(access.organization_id(user), today)},
    )


def breach_new(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    _require_breach(user, request)
    if request.method != "POST":
        form = BreachForm(initial={"discovered_on": timezone.localdate()})
        return render_form(request, "privacy/breach_form.html", {"form": form})
    form = BreachForm(request.POST)
    saved = None
    if form.is_valid():
        saved = submit(
            form,
            lambda data: services_breach.breach_record(
                user,
                discovered_on=data["discovered_on"],
                occurred_on=data.get("occurred_on"),
                summary=data["summary"],
                information_involved=data.get("information_involved") or "",
                people_affected=data.get("people_affected"),
                largest_state_count=data.get("largest_state_count"),
                request=request,
            ),
        )
    if saved is not None:
        messages.success(request, "Entry added to the breach log.")
        return redirect("privacy:breach", pk=saved.pk)
    return render_form(request, "privacy/breach_form.html", {"form": form})


def _breach_page(
    request: HttpRequest,
    breach: Breach,
    *,
    assess: AssessForm | None = None,
    notify: NotifyForm | None = None,
    close: CloseForm | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    return render_form(
        request,
        "privacy/breach_detail.html",
        {
            "b": breach,
            "line": selectors_records.breach_line(breach, today),
            "today": today,
            "assess": assess
            or AssessForm(
                initial={
                    "factor_nature": breach.factor_nature,
                    "factor_recipient": breach.factor_recipient,
                    "factor_acquired": breach.factor_acquired,
                    "factor_mitigation": breach.factor_mitigation,
                    "outcome": breach.outcome,
                }
            ),
            "notify": notify
            or NotifyForm(
                initial={
                    "individuals_notified_on": breach.individuals_notified_on,
                    "hhs_notified_on": breach.hhs_notified_on,
                    "media_notified_on": breach.media_notified_on,
                }
            ),
            "close": close or CloseForm(initial={"closed_on": today}),
        },
    )


def breach_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    breach = breach_for(user, pk, request)
    if request.method != "POST":
        return _breach_page(request, breach)
    step = request.POST.get("step")
    saved: Breach | None = None
    if step == "assess":
        assess = AssessForm(request.POST)
        if assess.is_valid():
            saved = submit(
                assess,
                lambda d: services_breach.breach_assess(user, breach, request=request, **d),
            )
        if saved is None:
            breach.refresh_from_db()
            return _breach_page(request, breach, assess=assess)
        messages.success(request, "Risk assessment saved.")
    elif step == "notify":
        notify = NotifyForm(request.POST)
        if notify.is_valid():
            saved = submit(
                notify,
                lambda d: services_breach.breach_notify(user, breach, request=request, **d),
            )
        if saved is None:
            breach.refresh_from_db()
            return _breach_page(request, breach, notify=notify)
        messages.success(request, "Notifications saved.")
    elif step == "close":
        close = CloseForm(request.POST)
        if close.is_valid():
            saved = submit(
                close,
                lambda d: services_breach.breach_close(user, breach, request=request, **d),
            )
        if saved is None:
            breach.refresh_from_db()
            return _breach_page(request, breach, close=close)
        messages.success(request, "Entry closed.")
    else:
        return _breach_page(request, breach)
    return redirect("privacy:breach", pk=breach.pk)
