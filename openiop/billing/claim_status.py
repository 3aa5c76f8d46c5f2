"""A claim's life after it is built (one `@service` per change): a file marked as sent, the
clearinghouse's and payer's acknowledgments (999 for the file, 277CA for each claim), answers
recorded by hand, appeals of denials, and withdrawal so that fixed charges can be built into a new
claim. The allowed changes are in `openiop.domain.claims.lifecycle`; each change is a
`ClaimEvent` and an audit event."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.billing.models import (
    Acknowledgment,
    AcknowledgmentKind,
    Charge,
    Claim,
    ClaimEvent,
    ClaimFile,
    ClaimKind,
    ClaimStatus,
    Payer,
)
from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.domain.claims import ack as dack
from openiop.domain.claims import lifecycle
from openiop.domain.claims.lifecycle import Source
from openiop.domain.consent import Decision, Recipient
from openiop.patients.models import Patient
from openiop.privacy import gate
from openiop.privacy.models import Disclosure

__all__ = [
    "CLAIM_DATA",
    "ClaimsNotCovered",
    "Source",
    "appeal_claim",
    "claim_decision",
    "file_for",
    "files_with_claims_outside",
    "import_acknowledgment",
    "mark_file_sent",
    "move",
    "payer_recipient",
    "record_answer",
    "release_file",
    "scoped_claims",
    "service_moment",
    "withdraw_claim",
]

# A claim discloses the patient's record to the payer for payment (42 CFR 2.31, 2.33): it
# needs a consent that covers the payer, asked of the one gate (`openiop.privacy.gate`).
CLAIM_DATA = frozenset({"billing", "diagnosis", "demographics"})


def payer_recipient(payer: Payer) -> Recipient:
    return Recipient("health_plan", payer.name, f"payer:{payer.pk}")


def service_moment(day: date, zone: str) -> datetime:
    """When the program acted in reliance on the consent for a service of `day`: the end of
    that day in the site's time zone (23:59:59.999999). 42 CFR 2.31(a)(6) lets a claim go for
    treatment given in reliance on a consent to disclose to the payer; a claim carries the day
    of service, not the hour, so the moment is read conservatively: a revocation at any time
    that day (09:00) stops the claim for that day's services, even one given later (18:00)."""
    return datetime.combine(day, time.max, tzinfo=ZoneInfo(zone))


def claim_decision(
    known: gate.PatientConsents,
    payer: Payer,
    *,
    at: datetime,
    first_day: date,
    last_day: date | None = None,
    data: Collection[str] = CLAIM_DATA,
) -> Decision:
    """The gate's decision for a claim to `payer` for services from `first_day` to
    `last_day` (one day if omitted), with reliance on the service days (42 CFR 2.31(a)(6));
    `known` comes from `gate.load` (one batch for many patients).

    Reliance must hold for every day of the claim: the consent was already in effect on the
    first day and not yet revoked (nor expired, nor ended with treatment) on the last, so both
    ends are asked and the first refusal is the answer."""
    decisions = [
        gate.decision(
            known,
            recipient=payer_recipient(payer),
            purpose="payment",
            data=data,
            at=at,
            relied_on=service_moment(day, known.zone),
        )
        for day in dict.fromkeys((first_day, last_day or first_day))
    ]
    return next((d for d in decisions if not d.allowed), decisions[0])


class ClaimsNotCovered(gate.DisclosureRefused):
    """No consent covers some claims of a file any more: the file is neither downloaded nor
    sent, and each refusal is audited (kept after the service's rollback)."""

    def __init__(self, message: str, refusals: list[gate.DisclosureRefused]) -> None:
        super().__init__(message, refusals[0].event, refusals[0].recorded)
        self.refusals = refusals

    def ensure_recorded(self) -> None:
        for refusal in self.refusals:
            refusal.ensure_recorded()


NOTE_MAX = 1000
_NOT_SENT = frozenset(
    {ClaimStatus.DRAFT, ClaimStatus.CHECKING, ClaimStatus.READY, ClaimStatus.VOID}
)


def scoped_claims(actor: User) -> QuerySet[Claim]:
    """Claims of the actor's organization whose patients the actor works with."""
    return Claim.objects.filter(
        organization_id=access.organization_id(actor),
        patient_id__in=Patient.objects.filter(access.membership_patients_filter(actor)).values(
            "pk"
        ),
    )


def files_with_claims_outside(actor: User) -> QuerySet[Claim, Any]:
    org_id = access.organization_id(actor)
    return (
        Claim.objects.filter(organization_id=org_id, claim_file__isnull=False)
        .exclude(pk__in=scoped_claims(actor).values("pk"))
        .values("claim_file_id")
    )


def file_for(
    actor: User, pk: int, *, action: Action, request: HttpRequest | None = None
) -> ClaimFile:
    """A claim file of the actor's organization all of whose claims are in the actor's scope
    (else an audited 404), then the role (else an audited 403)."""
    org_id = access.organization_id(actor)
    claim_file = (
        ClaimFile.objects.filter(organization_id=org_id, pk=pk)
        .exclude(pk__in=files_with_claims_outside(actor))
        .first()
    )
    if claim_file is None:
        raise access.not_found(actor, "billing.claimfile", pk, request=request)
    policy.require(actor, action, request=request, obj=claim_file)
    return claim_file


def move(
    claim: Claim,
    to: str,
    source: Source,
    *,
    actor: User | None,
    at: datetime,
    note: str = "",
    codes: str = "",
) -> ClaimEvent:
    """Change one claim's status if the lifecycle allows it (else ValidationError in words) and
    record the change. The caller saves nothing else: this saves the claim's status."""
    reason = lifecycle.refusal(claim.status, to, source)
    if reason is not None:
        raise ValidationError({"__all__": f"Claim {claim.control_number}: {reason}"})
    event = ClaimEvent.objects.create(
        claim=claim,
        from_status=claim.status,
        to_status=to,
        source=source,
        note=note,
        codes=codes[:500],
        by=actor,
        at=at,
    )
    claim.status = to
    claim.save(update_fields=["status"])
    return event


def _note(note: str, *, required: str | None = None) -> str:
    text = (note or "").strip()
    if required and not text:
        raise ValidationError({"note": required})
    if len(text) > NOTE_MAX:
        raise ValidationError({"note": f"Keep the note under {NOTE_MAX} characters."})
    return text


def _claim(actor: User, claim_id: int, request: HttpRequest | None) -> Claim:
    """The claim, locked; outside the actor's scope (or unknown) an audited refusal that
    survives the service's rollback (views look the claim up first and answer 404)."""
    claim = scoped_claims(actor).select_for_update().filter(pk=claim_id).first()
    if claim is None:
        raise policy.refuse(
            actor,
            "This claim is outside your organization or your sites.",
            request=request,
            object_type="billing.claim",
            object_id=str(claim_id)[:64],
            detail="claim change refused: outside the user's scope, or unknown",
        )
    return claim


def _require(actor: User, request: HttpRequest | None, signed_in: bool, object_type: str) -> None:
    policy.require(
        actor, Action.BILLING_MANAGE, request=request, object_type=object_type, signed_in=signed_in
    )


def _locked_file(
    actor: User, file_id: int, request: HttpRequest | None, signed_in: bool
) -> ClaimFile:
    """The claim file, locked (before its claims, as `withdraw_claim` takes them), if the
    role allows and every claim in it is in the actor's scope; else an audited refusal."""
    _require(actor, request, signed_in, "billing.claimfile")
    claim_file = (
        ClaimFile.objects.select_for_update()
        .filter(organization_id=access.organization_id(actor), pk=file_id)
        .exclude(pk__in=files_with_claims_outside(actor))
        .first()
    )
    if claim_file is None:
        raise policy.refuse(
            actor,
            "This claim file is outside your organization or your sites.",
            request=request,
            object_type="billing.claimfile",
            object_id=str(file_id)[:64],
            detail="claim file change refused: outside the user's scope, or unknown",
        )
    return claim_file


@service
def release_file(
    *, actor: User, file_id: int, request: HttpRequest | None = None, signed_in: bool = True
) -> ClaimFile:
    """The 837 leaves the program when it is downloaded to be sent: each claim in it (to a
    primary or a secondary payer) not yet disclosed is disclosed now, under the consent that
    covers it (one `Disclosure` per claim, none twice), or the whole download is refused and
    each refusal audited. Only a file whose check found no problem can be downloaded."""
    claim_file = _locked_file(actor, file_id, request, signed_in)
    if claim_file.status == ClaimStatus.VOID:
        raise ValidationError(
            {"__all__": "This file was withdrawn with its claims; it cannot be sent."}
        )
    if not claim_file.text or claim_file.status in (ClaimStatus.DRAFT, ClaimStatus.CHECKING):
        raise ValidationError(
            {
                "__all__": "This file has problems to fix or is still being checked; "
                "it cannot be sent."
            }
        )
    claims = list(claim_file.claims.select_for_update().order_by("pk"))
    _disclose_claims(actor, claim_file, claims, timezone.now(), request)
    audit.record(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=claim_file,
        request=request,
        organization_id=claim_file.organization_id,
        detail=f"claim file downloaded for sending: {len(claims)} claims",
    )
    return claim_file


@service
def mark_file_sent(
    *, actor: User, file_id: int, request: HttpRequest | None = None, signed_in: bool = True
) -> ClaimFile:
    """The file was sent to the clearinghouse or payer: the file and its ready claims are
    submitted. Only a file whose check found no problem can be sent. Claims not disclosed at
    download (a file sent without being downloaded here) are disclosed now, or the file is
    refused."""
    claim_file = _locked_file(actor, file_id, request, signed_in)
    if claim_file.status != ClaimStatus.READY:
        raise ValidationError(
            {
                "__all__": "Only a file whose check found no problems can be sent; this one is "
                f"{claim_file.get_status_display().lower()}."
            }
        )
    now = timezone.now()
    claims = list(
        claim_file.claims.select_for_update().filter(status=ClaimStatus.READY).order_by("pk")
    )
    _disclose_claims(actor, claim_file, claims, now, request)
    for claim in claims:
        move(claim, ClaimStatus.SUBMITTED, Source.STAFF, actor=actor, at=now)
    claim_file.status = ClaimStatus.SUBMITTED
    claim_file.submitted_by = actor
    claim_file.submitted_at = now
    claim_file.save(update_fields=["status", "submitted_by", "submitted_at"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=claim_file,
        request=request,
        organization_id=claim_file.organization_id,
        detail=f"claim file marked as sent: {len(claims)} claims",
    )
    return claim_file


def _disclose_claims(
    actor: User,
    claim_file: ClaimFile,
    claims: list[Claim],
    now: datetime,
    request: HttpRequest | None,
) -> None:
    """Record one disclosure to the payer per claim not yet disclosed, under the consent that
    covers it now (with reliance on the days of service); refuse the whole file, naming the
    claims, when no consent covers some of them any more. The caller holds the file's lock,
    so a claim is never disclosed twice."""
    done = set(
        Disclosure.objects.filter(
            channel="claim",
            object_type=Claim._meta.label_lower,
            object_id__in=[str(c.pk) for c in claims],
        ).values_list("object_id", flat=True)
    )
    claims = [c for c in claims if str(c.pk) not in done]
    if not claims:
        return
    payer = Payer.objects.get(pk=claim_file.payer_id)
    recipient = payer_recipient(payer)
    patients = Patient.objects.in_bulk({c.patient_id for c in claims})
    known = gate.load(patients)
    refusals: list[gate.DisclosureRefused] = []
    uncovered: list[str] = []
    allowed: list[tuple[Claim, Decision]] = []
    for claim in claims:
        decision = claim_decision(
            known[claim.patient_id],
            payer,
            at=now,
            first_day=claim.first_day,
            last_day=claim.last_day,
        )
        if decision.allowed:
            allowed.append((claim, decision))
            continue
        uncovered.append(f"claim {claim.control_number} ({decision.reason.rstrip('.')})")
        refusals.append(
            gate.refusal(
                patients[claim.patient_id],
                decision,
                recipient=recipient,
                purpose="payment",
                channel="claim",
                actor=actor,
                request=request,
            )
        )
    if refusals:
        raise ClaimsNotCovered(
            f"File {claim_file.pk} cannot be downloaded or sent, because no consent covers "
            + "; ".join(uncovered)
            + ". Withdraw the file's claims (that withdraws the whole file) and build again: "
            "the days a consent covers go into a new file, and the others stay held until the "
            "patient signs a consent (42 CFR 2.31).",
            refusals,
        )
    for claim, decision in allowed:
        gate.record(
            patients[claim.patient_id],
            decision,
            recipient=recipient,
            purpose="payment",
            data=CLAIM_DATA,
            channel="claim",
            description=f"Claim {claim.control_number} for services "
            f"{claim.first_day.isoformat()}\u2013{claim.last_day.isoformat()}",
            actor=actor,
            obj=claim,
            request=request,
            at=now,
        )


@service
def record_answer(
    *,
    actor: User,
    claim_id: int,
    accepted: bool,
    note: str,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> Claim:
    """Record by hand that the payer accepted or rejected a sent claim (no acknowledgment file
    came); the note says how it was learned."""
    return _staff_change(
        actor,
        claim_id,
        ClaimStatus.ACCEPTED if accepted else ClaimStatus.REJECTED,
        note,
        required="Say how you learned this (e.g. a call with the payer).",
        detail=f"claim {'accepted' if accepted else 'rejected'} recorded by hand",
        request=request,
        signed_in=signed_in,
    )


def _staff_change(
    actor: User,
    claim_id: int,
    to: str,
    note: str,
    *,
    required: str,
    detail: str,
    request: HttpRequest | None,
    signed_in: bool,
) -> Claim:
    """One claim's status changed by billing staff with a note saying why; audited."""
    _require(actor, request, signed_in, "billing.claim")
    claim = _claim(actor, claim_id, request)
    text = _note(note, required=required)
    move(claim, to, Source.STAFF, actor=actor, at=timezone.now(), note=text)
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=claim,
        request=request,
        organization_id=claim.organization_id,
        detail=detail,
    )
    return claim


@service
def appeal_claim(
    *,
    actor: User,
    claim_id: int,
    note: str,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> Claim:
    """A denied claim is appealed; the note says on what grounds and how it was sent."""
    return _staff_change(
        actor,
        claim_id,
        ClaimStatus.APPEALED,
        note,
        required="Say on what grounds the denial is appealed.",
        detail="claim appealed",
        request=request,
        signed_in=signed_in,
    )


@service
def withdraw_claim(
    *,
    actor: User,
    claim_id: int,
    note: str,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> Claim:
    """Withdraw a claim that was never sent, or was rejected before processing: it stays on
    record, and its charges are free to be built into a new claim once the problem is fixed.

    A ready claim is written in its file; if the file has not been sent, the file and every
    ready claim in it are withdrawn together (a file cannot be sent without one of its claims,
    and sending it with the claim would bill the days twice once they are built again)."""
    _require(actor, request, signed_in, "billing.claim")
    text = _note(note, required="Say why the claim is withdrawn (e.g. the member id was wrong).")
    # Lock the file before the claim, in the order `mark_file_sent` takes them.
    file_id = scoped_claims(actor).filter(pk=claim_id).values_list("claim_file_id", flat=True)
    claim_file = ClaimFile.objects.select_for_update().filter(pk__in=file_id).first()
    claim = _claim(actor, claim_id, request)
    if claim.secondary_claims.exclude(status=ClaimStatus.VOID).exists():
        raise ValidationError(
            {"__all__": "Withdraw the claim to the secondary payer built from it first."}
        )
    now = timezone.now()
    was_ready = claim.status == ClaimStatus.READY
    move(claim, ClaimStatus.VOID, Source.STAFF, actor=actor, at=now, note=text)
    withdrawn = [claim]
    if was_ready and claim_file is not None and claim_file.status == ClaimStatus.READY:
        others = list(
            claim_file.claims.select_for_update()
            .filter(status=ClaimStatus.READY)
            .exclude(pk=claim.pk)
            .order_by("pk")
        )
        mine = set(scoped_claims(actor).filter(claim_file=claim_file).values_list("pk", flat=True))
        if any(o.pk not in mine for o in others):
            raise ValidationError(
                {
                    "__all__": "Its file has not been sent and also holds claims of patients "
                    "outside your sites; ask someone who works with all of them to withdraw it."
                }
            )
        for other in others:
            move(
                other,
                ClaimStatus.VOID,
                Source.STAFF,
                actor=actor,
                at=now,
                note=f"Withdrawn with its file (not sent), with claim {claim.control_number}: "
                f"{text}"[:1000],
            )
        withdrawn += others
        claim_file.status = ClaimStatus.VOID
        claim_file.save(update_fields=["status"])
    released = Charge.objects.filter(
        claim__in=[c for c in withdrawn if c.primary_claim_id is None]
    ).update(claim=None, billed_amount=None)
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=claim,
        request=request,
        organization_id=claim.organization_id,
        detail=f"claim withdrawn with {len(withdrawn) - 1} other claims of its unsent file; "
        f"{released} charges free to build again",
    )
    return claim


def _claims_by_number(actor: User, numbers: Iterable[str]) -> dict[str, Claim]:
    return {
        c.control_number: c
        for c in scoped_claims(actor)
        .select_for_update()
        .filter(control_number__in=sorted(set(numbers)))
    }


@service
def import_acknowledgment(
    *,
    actor: User,
    text: str,
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> Acknowledgment:
    """Import a 999 (the file accepted or rejected) or a 277CA (each claim accepted into the
    payer's adjudication system or rejected). The file must be valid and about our claims;
    otherwise nothing changes and every reason is given. Importing the same file twice is
    refused."""
    _require(actor, request, signed_in, "billing.acknowledgment")
    org_id = access.organization_id(actor)
    try:
        parsed = dack.read_acknowledgment(text)
    except dack.AckError as exc:
        raise ValidationError(
            {"file": [f"The file cannot be read: {p}" for p in exc.problems]}
        ) from exc
    kind = (
        AcknowledgmentKind.ACK_999
        if isinstance(parsed, dack.FileAck)
        else AcknowledgmentKind.ACK_277CA
    )
    # The sender's own counter (ISA13) is unique only per sender (ISA06, fixed at 35-50).
    control = f"{text[35:50].strip()}:{parsed.interchange_control_number}"[:40]
    duplicate = ValidationError(
        {
            "file": "This acknowledgment "
            f"({parsed.interchange_control_number}) has already been imported."
        }
    )
    if Acknowledgment.objects.filter(
        organization_id=org_id, kind=kind, control_number=control
    ).exists():
        raise duplicate
    now = timezone.now()
    if isinstance(parsed, dack.FileAck):
        summary = _apply_999(actor, org_id, parsed, now, request)
    else:
        summary = _apply_277ca(actor, parsed, now)
    try:
        with transaction.atomic():  # the same file imported at the same moment by two people
            ack = Acknowledgment.objects.create(
                organization_id=org_id,
                kind=kind,
                control_number=control,
                text=text,
                summary=summary,
                imported_by=actor,
                imported_at=now,
            )
    except IntegrityError:
        raise duplicate from None
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        obj=ack,
        request=request,
        organization_id=org_id,
        detail=f"{kind} imported: {summary.get('accepted', 0)} accepted, "
        f"{summary.get('rejected', 0)} rejected",
    )
    return ack


def _apply_999(
    actor: User, org_id: int, parsed: dack.FileAck, now: datetime, request: HttpRequest | None
) -> dict[str, object]:
    """Our GS06 is the claim file's id; a rejected transaction rejects every claim in it."""
    try:
        file_id = int(parsed.group_control_number)
    except ValueError:
        file_id = -1
    found = (
        ClaimFile.objects.select_for_update()
        .filter(organization_id=org_id, pk=file_id)
        .exclude(pk__in=files_with_claims_outside(actor))
        .first()
    )
    if found is None:
        raise ValidationError(
            {
                "file": f"The acknowledgment is for file {parsed.group_control_number}, not one of ours."
            }
        )
    kinds = {ClaimKind.PROFESSIONAL: "005010X222A1", ClaimKind.INSTITUTIONAL: "005010X223A2"}
    ours = max(found.pk % 1_000_000_000, 1)  # our ST02 (services._envelope)
    if parsed.version != kinds.get(ClaimKind(found.kind)) or any(
        s.control_number != ours for s in parsed.sets
    ):
        raise ValidationError(
            {
                "file": f"The acknowledgment names file {parsed.group_control_number} but not the "
                "claims we sent in it (another kind of claim or another transaction)."
            }
        )
    if found.status != ClaimStatus.SUBMITTED:
        raise ValidationError(
            {"file": f"File {found.pk} has not been marked as sent, so it cannot be acknowledged."}
        )
    errors = [e for s in parsed.sets for e in s.errors]
    rejected = not parsed.accepted or any(not s.accepted for s in parsed.sets)
    claims = list(found.claims.select_for_update().filter(status=ClaimStatus.SUBMITTED))
    if rejected:
        note = "The clearinghouse could not read the file; fix the problem and build again."
        detail = "; ".join(errors)[:500]
        for claim in claims:
            move(
                claim,
                ClaimStatus.REJECTED,
                Source.ACK_999,
                actor=actor,
                at=now,
                note=note,
                codes=detail,
            )
        found.status = ClaimStatus.REJECTED
        found.save(update_fields=["status"])
    return {
        "file": found.pk,
        "file_accepted": not rejected,
        "accepted": 0 if rejected else len(claims),
        "rejected": len(claims) if rejected else 0,
        "errors": errors,
    }


def _apply_277ca(actor: User, parsed: dack.ClaimAcks, now: datetime) -> dict[str, object]:
    """Each claim accepted (A2) or rejected (A3, A6-A8); other categories (received, forwarded,
    pending) are kept on the record without a change."""
    claims = _claims_by_number(actor, (c.claim_id for c in parsed.claims))
    unknown = sorted({c.claim_id for c in parsed.claims} - claims.keys())
    if unknown:
        raise ValidationError(
            {"file": [f"Claim {cid} in the file is not one of ours." for cid in unknown]}
        )
    accepted = rejected = unchanged = 0
    for answer in parsed.claims:
        claim = claims[answer.claim_id]
        codes = ":".join(x for x in (answer.category, answer.status_code, answer.entity) if x)
        words = answer.words[:1].upper() + answer.words[1:]
        if answer.accepted and claim.status == ClaimStatus.SUBMITTED:
            move(
                claim,
                ClaimStatus.ACCEPTED,
                Source.ACK_277CA,
                actor=actor,
                at=now,
                note=words,
                codes=codes,
            )
            accepted += 1
        elif answer.rejected and claim.status in (ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED):
            move(
                claim,
                ClaimStatus.REJECTED,
                Source.ACK_277CA,
                actor=actor,
                at=now,
                note=words,
                codes=codes,
            )
            rejected += 1
        elif claim.status in _NOT_SENT:
            raise ValidationError(
                {
                    "file": f"Claim {claim.control_number} has not been marked as sent "
                    f"({claim.get_status_display().lower()}), so it cannot be acknowledged."
                }
            )
        else:
            unchanged += 1  # received, forwarded or pending, or already past this answer
    return {"accepted": accepted, "rejected": rejected, "unchanged": unchanged}
