"""The partner's page behind the signed link (no log-in, under /public/).

It shows that one referral only: who sends it, the patient's name and phone, the kind of
help and the message, its status and history, the 42 CFR 2.32 notice and the scope of the
consent it was disclosed under. The partner records what happened (received, accepted,
declined, service given). Every request is audited (no user: the partner has no account);
requests are counted per client address and refused past the limit (429).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from openiop.core import audit, clientip
from openiop.core.forms import apply_validation_error
from openiop.core.models import AuditAction
from openiop.privacy import gate
from openiop.support.models import PartnerReferral, ReferralEventSource
from openiop.support.referrals import partner_link, services
from openiop.support.referrals.forms import PartnerChangeForm
from openiop.support.referrals.tasks import program_name, program_phone

T = "support/referrals/"


def _headers(response: HttpResponse) -> HttpResponse:
    # The token must not leak to other sites through the Referer header: "same-origin" sends
    # no Referer to any other site. ("no-referrer" would also blank the Origin header of the
    # page's own form, which Django's CSRF check then refuses.)
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _deny(request: HttpRequest, pk: int, detail: str, referral: PartnerReferral | None) -> None:
    audit.record(
        actor=None,
        action=AuditAction.DENIED,
        patient=referral.patient if referral is not None else None,
        object_type="support.partnerreferral",
        object_id=str(pk),
        request=request,
        detail=detail,
        part2=referral is not None,
        organization_id=referral.organization_id if referral is not None else None,
    )


def _closed(request: HttpRequest, pk: int, referral: PartnerReferral) -> HttpResponse:
    """A closed or withdrawn referral: its link shows nothing of the person any more."""
    _deny(request, pk, f"partner link refused: referral {referral.status}", referral)
    return _headers(
        render(
            request,
            T + "link_closed.html",
            {
                "program": program_name(referral),
                "phone": program_phone(referral),
                "withdrawn": referral.status == "withdrawn",
            },
            status=410,
        )
    )


@require_http_methods(["GET", "POST"])
def partner_referral(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    try:
        services.partner_link_attempt(client_ip=clientip.client_ip(request))
    except services.RateLimited:
        # Not audited: past the limit nothing is written, so a flood cannot fill the trail.
        return _headers(render(request, T + "link_limited.html", status=429))
    try:
        referral = partner_link.read(pk, token)
    except partner_link.LinkExpired as exc:
        if exc.referral.status in services.FINAL:
            return _closed(request, pk, exc.referral)
        _deny(request, pk, "partner link refused: expired", exc.referral)
        return _headers(
            render(
                request,
                T + "link_expired.html",
                {"program": program_name(exc.referral), "phone": program_phone(exc.referral)},
                status=410,
            )
        )
    except partner_link.LinkInvalid:
        _deny(request, pk, "partner link refused: not valid", None)
        return _headers(render(request, T + "link_invalid.html", status=404))
    if referral.status in services.FINAL:
        return _closed(request, pk, referral)
    # Each opening of the link shows the partner the person's details again: only while a
    # consent still covers this partner (a revoked or expired consent stops it at once,
    # 42 CFR 2.31(a)(6)); the refusal is audited by the gate.
    decision = services.consent_decision(referral.patient, referral.partner)
    if not decision.allowed:
        gate.refusal(
            referral.patient,
            decision,
            recipient=services.recipient_for(referral.partner),
            purpose=services.PURPOSE,
            channel="referral",
            request=request,
        )
        return _headers(
            render(
                request,
                T + "link_withdrawn.html",
                {
                    "program": program_name(referral),
                    "phone": program_phone(referral),
                    "withdrawn": referral.status == "withdrawn",
                },
                status=403,
            )
        )
    allowed = services.allowed_next(referral.status, partner=True)
    form = None
    status = 200
    done = ""
    if request.method == "POST" and allowed:
        form = PartnerChangeForm(request.POST, allowed=allowed)
        if form.is_valid():
            data = form.cleaned_data
            try:
                referral = services.referral_update_by_partner(
                    referral=referral,
                    to_status=data["to_status"],
                    occurred_on=data["occurred_on"],
                    partner_person=data["partner_person"],
                    link_nonce=referral.link_nonce,
                    note=data["note"],
                    declined_reason=data["declined_reason"],
                    request=request,
                )
                done = "Thank you. The program can see what you recorded."
                referral = partner_link.read(pk, token)
                allowed = services.allowed_next(referral.status, partner=True)
                form = None
            except ValidationError as exc:
                assert form is not None
                apply_validation_error(form, exc)
        if not done:
            status = 422
            audit.record(
                actor=None,
                action=AuditAction.VIEW,
                patient=referral.patient,
                obj=referral,
                request=request,
                detail="partner link: change not recorded, the form came back with errors",
                organization_id=referral.organization_id,
            )
    elif request.method == "POST":
        status = 409
        audit.record(
            actor=None,
            action=AuditAction.DENIED,
            patient=referral.patient,
            obj=referral,
            request=request,
            detail="partner link: change refused, nothing more the partner can record",
            organization_id=referral.organization_id,
        )
    else:
        audit.record(
            actor=None,
            action=AuditAction.VIEW,
            patient=referral.patient,
            obj=referral,
            fields=["demographics", "social_needs"],
            request=request,
            detail="partner link opened",
            organization_id=referral.organization_id,
        )
    if form is None and allowed:
        form = PartnerChangeForm(initial={"occurred_on": timezone.localdate()}, allowed=allowed)
    return _headers(
        render(request, T + "link_page.html", _context(referral, form, done), status=status)
    )


def _context(
    referral: PartnerReferral, form: PartnerChangeForm | None, done: str
) -> dict[str, Any]:
    patient = referral.patient
    site = patient.site
    consent = referral.disclosure.consent if referral.disclosure is not None else None
    events = [
        {
            "on": e.occurred_on,
            "status": e.get_to_status_display(),
            "who": f"Partner: {e.partner_person}"
            if e.source == ReferralEventSource.PARTNER_LINK
            else "The program",
            # Staff notes are the program's own; the partner sees its own notes only.
            "note": e.note if e.source == ReferralEventSource.PARTNER_LINK else "",
        }
        for e in referral.events.order_by("recorded_at", "id")
        if e.from_status != e.to_status
    ]
    return {
        "referral": referral,
        "program": program_name(referral),
        "sender": referral.sent_by.display_name,
        "program_phone": getattr(site, "phone", "") if site is not None else "",
        "patient": patient,
        "events": events,
        "form": form,
        "done": done,
        "notice": gate.NOTICE,
        "consent_summary": gate.consent_summary(consent) if consent is not None else "",
    }
