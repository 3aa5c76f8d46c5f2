"""Pages of a claim's life after it is built: the claim with its history and the changes staff
make (appeal, withdraw, an answer learned by phone), claim files (download, mark as sent) and
acknowledgment files (999, 277CA). Billing pages never show note text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from openiop.billing import claim_status, selectors
from openiop.billing.forms_claims import AcknowledgmentForm, AnswerForm, AppealForm, WithdrawForm
from openiop.billing.models import Acknowledgment, Claim, ClaimFile, ClaimStatus
from openiop.core import access, htmx, policy
from openiop.core.forms import form_status, submit
from openiop.core.policy import Action

FILES_SHOWN = 100
ACKS_SHOWN = 20

APPEALABLE = {ClaimStatus.DENIED}
WITHDRAWABLE = {ClaimStatus.DRAFT, ClaimStatus.READY, ClaimStatus.REJECTED}
ANSWERABLE = {ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED}


def _claim_page(request: HttpRequest, claim: Claim, **bound: forms.Form) -> HttpResponse:
    context: dict[str, Any] = {
        "claim": claim,
        "charges": list(claim.charges.order_by("service_date", "id")),
        "payments": selectors.claim_payments(claim),
        "events": list(claim.events.select_related("by").order_by("at", "id")),
        "appeal_form": bound.get("appeal") or AppealForm(),
        "withdraw_form": bound.get("withdraw") or WithdrawForm(),
        "answer_form": bound.get("answer") or AnswerForm(),
        "can_appeal": claim.status in APPEALABLE,
        "can_withdraw": claim.status in WITHDRAWABLE,
        "can_answer": claim.status in ANSWERABLE,
        "refusals": [e for form in bound.values() for e in form.non_field_errors()],
        "file_companions": _companions(claim),
    }
    return render(
        request, "billing/claim.html", context, status=form_status(request) if bound else 200
    )


def _companions(claim: Claim) -> int:
    if claim.status != ClaimStatus.READY or claim.claim_file is None:
        return 0
    if claim.claim_file.status != ClaimStatus.READY:
        return 0
    return claim.claim_file.claims.filter(status=ClaimStatus.READY).exclude(pk=claim.pk).count()


def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    claim = selectors.claim_for(user, pk, action=Action.BILLING_READ, request=request)
    return _claim_page(request, claim)


def _claim_change(
    request: HttpRequest,
    pk: int,
    name: str,
    form_class: type[forms.Form],
    call: Any,
    done: str | Callable[[int], str],
) -> HttpResponse:
    """`done` is the success message, or makes it from the number of other claims of an unsent
    file that go with this one."""
    user = access.staff(request)
    claim = selectors.claim_for(user, pk, action=Action.BILLING_MANAGE, request=request)
    companions = _companions(claim)
    form = form_class(request.POST)
    if form.is_valid():
        changed = submit(
            form, lambda data: call(actor=user, claim_id=claim.pk, request=request, **data)
        )
        if changed is not None:
            messages.success(request, done if isinstance(done, str) else done(companions))
            return redirect("billing:claim", pk=claim.pk)
    claim.refresh_from_db()
    return _claim_page(request, claim, **{name: form})


@require_POST
def claim_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_change(
        request, pk, "appeal", AppealForm, claim_status.appeal_claim, "The appeal is recorded."
    )


@require_POST
def claim_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    def done(others: int) -> str:
        if others:
            which = "the other claim" if others == 1 else f"the {others} other claims"
            return (
                f"The claim is withdrawn, with {which} of its file, which had not been sent; "
                "build claims for these days again to make a new file."
            )
        return (
            "The claim is withdrawn; its charges will go on the next claims built for these days."
        )

    return _claim_change(request, pk, "withdraw", WithdrawForm, claim_status.withdraw_claim, done)


@require_POST
def claim_answer(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_change(
        request,
        pk,
        "answer",
        AnswerForm,
        claim_status.record_answer,
        "The payer's answer is recorded.",
    )


def _files(user: Any) -> Any:
    return (
        ClaimFile.objects.filter(organization_id=access.organization_id(user))
        .exclude(pk__in=claim_status.files_with_claims_outside(user))
        .select_related("payer", "submitted_by")
        .annotate(
            n_claims=Count("claims"),
            n_rejected=Count("claims", filter=Q(claims__status=ClaimStatus.REJECTED)),
        )
    )


def claim_files(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.BILLING_READ, request=request, object_type="billing.claimfile")
    return render(
        request,
        "billing/files.html",
        {"files": list(_files(user)[:FILES_SHOWN]), "limit": FILES_SHOWN},
    )


def _refused_here(request: HttpRequest, message: str) -> HttpResponse:
    """A refusal shown on the files page, where the user clicked: with htmx a short 403 that
    core/static/core/app.js shows next to the button, else back to the page with the message."""
    if getattr(request, "htmx", False):
        return htmx.reason(message, 403)
    messages.error(request, message)
    return redirect("billing:files")


@require_POST
def file_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The 837 to send: only a file whose check found no problem, and only when a consent
    covers every claim in it (the download is the disclosure to the payer). A POST, so that
    no other site can make a signed-in browser disclose the claims."""
    user = access.staff(request)
    claim_file = claim_status.file_for(user, pk, action=Action.BILLING_MANAGE, request=request)
    form = forms.Form(request.POST)
    try:
        released = submit(
            form,
            lambda _: claim_status.release_file(actor=user, file_id=claim_file.pk, request=request),
        )
    except claim_status.ClaimsNotCovered as refused:
        # Audited already; nothing leaves and the page says what to do.
        return _refused_here(request, str(refused.args[0]))
    if released is None:
        return _refused_here(request, " ".join(str(e) for e in form.non_field_errors()))
    response = HttpResponse(released.text, content_type="application/edi-x12")
    response["Content-Disposition"] = f'attachment; filename="{released.filename}"'
    return response


@require_POST
def file_sent(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    claim_file = claim_status.file_for(user, pk, action=Action.BILLING_MANAGE, request=request)
    form = forms.Form(request.POST)
    try:
        sent = submit(
            form,
            lambda _: claim_status.mark_file_sent(
                actor=user, file_id=claim_file.pk, request=request
            ),
        )
    except claim_status.ClaimsNotCovered as refused:
        # Audited already; the file stays unsent and the page says what to do.
        return _refused_here(request, str(refused.args[0]))
    if sent is None:
        return _refused_here(request, " ".join(str(e) for e in form.non_field_errors()))
    messages.success(request, f"File {sent.pk} is marked as sent.")
    return redirect("billing:files")


def acknowledgments(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    form = AcknowledgmentForm()
    if request.method == "POST":
        policy.require(
            user, Action.BILLING_MANAGE, request=request, object_type="billing.acknowledgment"
        )
        form = AcknowledgmentForm(request.POST, request.FILES)
        if form.is_valid():
            ack = submit(
                form,
                lambda data: claim_status.import_acknowledgment(
                    actor=user, text=data["file"], request=request
                ),
            )
            if ack is not None:
                s = ack.summary
                messages.success(
                    request,
                    f"{ack.get_kind_display()} imported: {s.get('accepted', 0)} claims accepted, "
                    f"{s.get('rejected', 0)} rejected.",
                )
                return redirect("billing:acknowledgments")
    else:
        policy.require(
            user, Action.BILLING_READ, request=request, object_type="billing.acknowledgment"
        )
    recent = Acknowledgment.objects.filter(
        organization_id=access.organization_id(user)
    ).select_related("imported_by")[:ACKS_SHOWN]
    return render(
        request,
        "billing/acknowledgments.html",
        {"form": form, "recent": list(recent)},
        status=form_status(request),
    )
