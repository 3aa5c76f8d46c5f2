"""Staff pages of the partner directory and of referrals (thin: parse, call one service,
render). Scope and role refusals come from the getters (404 / 403, both audited)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from openiop.core import access, audit, policy
from openiop.core.forms import apply_validation_error, render_form, submit
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.locator.models import Facility
from openiop.privacy import gate
from openiop.support.access import need_for, partner_for, referral_for
from openiop.support.models import (
    OPEN_REFERRAL,
    NeedStatus,
    Partner,
    PartnerReferral,
    PartnerService,
    ReferralStatus,
)
from openiop.support.program_settings import policy_for
from openiop.support.referrals import selectors, services
from openiop.support.referrals.forms import (
    SERVICE_ROWS,
    ChangeForm,
    FollowUpForm,
    PartnerForm,
    PartnerSearchForm,
    ReferForm,
    ServiceRows,
    WorkListForm,
)
from openiop.support.referrals.partners import FIELDS as PARTNER_FIELDS
from openiop.support.referrals.partners import partner_save

T = "support/referrals/"


# --- Partner directory -------------------------------------------------------------------


def _directory_reader(request: HttpRequest) -> Any:
    user = access.staff(request)
    if not (policy.allows(user, Action.SUPPORT_READ) or policy.allows(user, Action.PARTNER_MANAGE)):
        policy.require(user, Action.SUPPORT_READ, request=request, object_type="support.partner")
    return user


def partner_list(request: HttpRequest) -> HttpResponse:
    user = _directory_reader(request)
    form = PartnerSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.partners(
        user,
        text=data.get("text", ""),
        kind=data.get("kind", ""),
        language=data.get("language", ""),
    )
    shown = [
        {
            "partner": p,
            "services": list(p.services.all()),
            "address_phone": selectors.shown_address(p),
            "languages": selectors.language_names(p),
        }
        for p in rows
    ]
    return render_form(
        request,
        T + "partner_list.html",
        {"form": form, "rows": shown, "can_manage": policy.allows(user, Action.PARTNER_MANAGE)},
        status=200,
    )


def _service_initial(partner: Partner | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if partner is not None:
        rows = [
            {"pk": s.pk, "kind": s.kind, "name": s.name, "eligibility": s.eligibility}
            for s in PartnerService.objects.filter(partner=partner, active=True)
        ]
    return rows + [{} for _ in range(SERVICE_ROWS - min(len(rows), SERVICE_ROWS - 2))]


@require_http_methods(["GET", "POST"])
def partner_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.PARTNER_MANAGE, request=request, object_type="support.partner")
    partner = partner_for(user, pk, request=request) if pk is not None else None
    facilities = Facility.objects.filter(organization_id=access.organization_id(user)).order_by(
        "name"
    )
    if request.method == "POST":
        form = PartnerForm(request.POST, facilities=facilities)
        rows = ServiceRows(request.POST, prefix="svc")
        if form.is_valid() and rows.is_valid():
            services_data = [
                r.cleaned_data
                for r in rows.forms
                if r.cleaned_data and not r.cleaned_data.get("remove")
            ]
            saved = submit(
                form,
                lambda data: partner_save(
                    actor=user, partner=partner, data=data, services=services_data, request=request
                ),
            )
            if saved is not None:
                return redirect("support:partner_list")
        elif not rows.is_valid():
            form.is_valid()
            form.add_error(None, "Check the services.")
    else:
        initial: dict[str, Any] = {"active": True}
        if partner is not None:
            initial = {f: getattr(partner, f) for f in PARTNER_FIELDS if f != "facility"}
            initial["facility"] = partner.facility_id
        form = PartnerForm(initial=initial, facilities=facilities)
        rows = ServiceRows(initial=_service_initial(partner), prefix="svc")
    return render_form(
        request, T + "partner_form.html", {"form": form, "rows": rows, "partner": partner}
    )


# --- Referral from a need ------------------------------------------------------------------


def _consent_rows(patient: Any, partners: list[Partner]) -> dict[int, Any]:
    """The gate's decision for each partner, from the patient's consents loaded once."""
    known = gate.load([patient.pk])[patient.pk]
    now = timezone.now()
    return {
        p.pk: gate.decision(
            known,
            recipient=services.recipient_for(p),
            purpose=services.PURPOSE,
            data=services.DATA,
            at=now,
        )
        for p in partners
    }


@require_http_methods(["GET", "POST"])
def need_refer(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    need = need_for(user, pk, action=Action.SUPPORT_WRITE, request=request)
    patient = need.patient
    offering, others = selectors.partners_for_need(user, need.kind)
    everyone = offering + others
    queryset = Partner.objects.filter(pk__in=[p.pk for p in everyone])
    today = timezone.localdate()
    default_follow = today + timedelta(days=policy_for(patient.program_id).follow_up_days)
    if request.method == "POST":
        form = ReferForm(request.POST, partners=queryset)
        if form.is_valid():
            partner = form.cleaned_data["partner"]
            service_id = form.cleaned_data.get("service")
            chosen = (
                PartnerService.objects.filter(pk=service_id, partner=partner, active=True).first()
                if service_id
                else None
            )
            if service_id and chosen is None:
                form.add_error(None, "Choose one of this partner's services.")
            else:
                try:
                    referral = submit(
                        form,
                        lambda data: services.referral_send(
                            actor=user,
                            need=need,
                            partner=partner,
                            service=chosen,
                            message=data["message"],
                            follow_up_on=data["follow_up_on"],
                            request=request,
                        ),
                    )
                except gate.DisclosureRefused as exc:
                    # The gate's audited refusal, shown at the partner the user chose.
                    referral = None
                    form.add_error("partner", f"{exc} Record a consent naming this partner first.")
                if referral is not None:
                    return redirect("support:referral_detail", pk=referral.pk)
    else:
        initial: dict[str, Any] = {"follow_up_on": default_follow}
        form = ReferForm(initial=initial, partners=queryset)
    decisions = _consent_rows(patient, everyone)
    if request.method != "POST":
        covered = [p for p in offering if decisions[p.pk].allowed]
        if covered:
            form.initial["partner"] = covered[0].pk
    audit.record(
        actor=user,
        action=AuditAction.VIEW,
        patient=patient,
        obj=need,
        fields=["need", "consents"],
        request=request,
        detail="refer a need to a partner: form shown",
    )
    return render_form(
        request,
        T + "refer.html",
        {
            "need": need,
            "patient": patient,
            "form": form,
            "offering": [(p, decisions[p.pk]) for p in offering],
            "others": [(p, decisions[p.pk]) for p in others],
            "need_open": need.status == NeedStatus.OPEN,
            "consents_url": reverse("privacy:consents", args=[patient.pk]),
        },
    )


# --- Referral detail and changes ----------------------------------------------------------


def _detail(
    request: HttpRequest,
    user: Any,
    referral: PartnerReferral,
    *,
    change: ChangeForm | None = None,
    follow: FollowUpForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_write = policy.allows(user, Action.SUPPORT_WRITE)
    allowed = services.allowed_next(referral.status)
    is_open = referral.status in OPEN_REFERRAL
    if change is None:
        change = ChangeForm(
            initial={"expected_status": referral.status, "occurred_on": timezone.localdate()},
            allowed=allowed,
        )
    if follow is None:
        follow = FollowUpForm(
            initial={"expected_status": referral.status, "follow_up_on": referral.follow_up_on}
        )
    today = timezone.localdate()
    return render_form(
        request,
        T + "detail.html",
        {
            "referral": referral,
            "patient": referral.patient,
            "events": selectors.events(referral),
            "change": change,
            "follow": follow,
            "can_write": can_write,
            "can_change": can_write and bool(allowed),
            "is_open": is_open,
            "overdue_days": (today - referral.follow_up_on).days
            if is_open and referral.follow_up_on < today
            else 0,
            "link": request.build_absolute_uri(services.partner_link_url(referral))
            if can_write and referral.status not in services.FINAL
            else "",
            "link_expired": referral.link_expires_at is not None
            and referral.link_expires_at <= timezone.now(),
        },
        status=status,
    )


def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    referral = referral_for(user, pk, action=Action.SUPPORT_READ, request=request)
    audit.record(
        actor=user,
        action=AuditAction.VIEW,
        patient=referral.patient,
        obj=referral,
        request=request,
        detail="partner referral viewed",
    )
    return _detail(request, user, referral)


@require_POST
def referral_change(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    referral = referral_for(user, pk, action=Action.SUPPORT_WRITE, request=request)
    expected = request.POST.get("expected_status") or None
    if request.POST.get("what") == "follow_up":
        follow = FollowUpForm(request.POST)
        if follow.is_valid():
            try:
                services.referral_update(
                    actor=user,
                    referral=referral,
                    to_status="",
                    occurred_on=None,
                    note=follow.cleaned_data["note"],
                    follow_up_on=follow.cleaned_data["follow_up_on"],
                    expected_status=expected,
                    request=request,
                )
                return redirect("support:referral_detail", pk=referral.pk)
            except services.StaleStatus as exc:
                apply_validation_error(follow, exc)
                return _detail(request, user, _fresh(user, pk, request), follow=follow, status=409)
            except ValidationError as exc:
                apply_validation_error(follow, exc)
        return _detail(request, user, referral, follow=follow, status=422)
    change = ChangeForm(request.POST, allowed=services.allowed_next(referral.status))
    if change.is_valid():
        data = change.cleaned_data
        try:
            services.referral_update(
                actor=user,
                referral=referral,
                to_status=data["to_status"],
                occurred_on=data["occurred_on"],
                note=data["note"],
                declined_reason=data["declined_reason"],
                outcome=data["outcome"],
                expected_status=expected,
                request=request,
            )
            return redirect("support:referral_detail", pk=referral.pk)
        except services.StaleStatus as exc:
            fresh = _fresh(user, pk, request)
            change = ChangeForm(request.POST, allowed=services.allowed_next(fresh.status))
            change.is_valid()
            apply_validation_error(change, exc)
            return _detail(request, user, fresh, change=change, status=409)
        except ValidationError as exc:
            apply_validation_error(change, exc)
    elif expected and expected != referral.status:
        change.add_error(
            None,
            "This referral was changed by someone else (it is now "
            f"{referral.get_status_display().lower()}). Look at it again before recording.",
        )
        return _detail(request, user, referral, change=change, status=409)
    return _detail(request, user, referral, change=change, status=422)


def _fresh(user: Any, pk: int, request: HttpRequest) -> PartnerReferral:
    return referral_for(user, pk, action=Action.SUPPORT_READ, request=request)


@require_POST
def referral_new_link(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    referral = referral_for(user, pk, action=Action.SUPPORT_WRITE, request=request)
    try:
        services.referral_link_renew(actor=user, referral=referral, request=request)
    except ValidationError as exc:
        change = ChangeForm(allowed=[])
        apply_validation_error(change, exc)
        return _detail(request, user, referral, change=change, status=422)
    return redirect("support:referral_detail", pk=referral.pk)


# --- Work list ------------------------------------------------------------------------------


def referral_list(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(
        user, Action.SUPPORT_READ, request=request, object_type="support.partnerreferral"
    )
    form = WorkListForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    partners = list(
        Partner.objects.filter(organization_id=access.organization_id(user)).only("pk", "name")
    )
    partner_id = data.get("partner")
    rows = selectors.work_list(
        user,
        today=today,
        overdue_only=bool(data.get("overdue")),
        partner_id=partner_id,
        status=data.get("status", ""),
    )
    shown = sorted({str(row.referral.patient_id) for row in rows})
    audit.record(
        actor=user,
        action=AuditAction.QUERY,
        object_type="support.partnerreferral",
        fields=["patient", "need", "partner", "status", "follow_up_on"],
        request=request,
        detail=("referral work list; shown patient ids: " + ",".join(shown))[:500],
        part2=bool(shown),
    )
    return render_form(
        request,
        T + "work_list.html",
        {
            "form": form,
            "rows": rows,
            "partners": partners,
            "partner_id": partner_id,
            "statuses": [(s, ReferralStatus(s).label) for s in OPEN_REFERRAL],
        },
        status=200,
    )
