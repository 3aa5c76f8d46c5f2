"""Billing setup: the organization's payers, its billing provider, its fee schedule and its
programs' billing policy.

Writes are one `@service` each (`payer_add`, `payer_change`, `provider_save`, `fees_save`,
`program_billing_save`), all under `Action.BILLING_MANAGE` and audited. The checks with a published source are in
`openiop.domain.billing.identifiers` (NPI standard, CMS place-of-service code set, NUBC revenue
codes); the rest is program policy.

What a change reaches: a claim keeps what it was built with (each charge stores its procedure,
revenue and place-of-service codes and, once on a claim, its billed amount; the claim file keeps
its 837 text). Payer, provider and fee changes therefore apply to charges generated and claims
built from now on. Claims refer to their payer row, so claim lists show the payer's current
name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest

from openiop.accounts.models import User
from openiop.billing.models import (
    BillingProvider,
    Charge,
    Claim,
    ClaimType,
    Coverage,
    FilingIndicator,
    Payer,
    ProgramBilling,
    VideoPlaceOfService,
)
from openiop.core import access, audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.domain.billing import identifiers as ids
from openiop.domain.billing.charges import MENTAL_HEALTH_CODE, SUBSTANCE_USE_CODE
from openiop.organization.models import Program

PER_DIEM_CODES = (SUBSTANCE_USE_CODE, MENTAL_HEALTH_CODE)
"""The per-diem codes each payer has a revenue code for (H0015, S9480)."""

REVENUE_FIELDS = {SUBSTANCE_USE_CODE: "revenue_h0015", MENTAL_HEALTH_CODE: "revenue_s9480"}
"""The form field of each per-diem code's revenue code."""

CODE_NAMES = {
    SUBSTANCE_USE_CODE: "Intensive outpatient, substance use, per day",
    MENTAL_HEALTH_CODE: "Intensive outpatient, psychiatric, per day",
}

MAX_FEE = Decimal("100000")  # program policy: an input bound, no published source
CENT = Decimal("0.01")

PAYER_FIELDS = (
    "name",
    "payer_id",
    "claim_type",
    "filing_indicator",
    "is_medicare",
    "place_of_service",
    "revenue_codes",
)

PROVIDER_FIELDS = (
    "name",
    "npi",
    "tax_id",
    "taxonomy",
    "address",
    "city",
    "state",
    "zip_code",
    "submitter_id",
    "contact_name",
    "contact_phone",
    "receiver_name",
    "receiver_id",
    "attending_last_name",
    "attending_first_name",
    "attending_npi",
    "facility_type",
    "production",
)

TEXT_LIMITS = {
    "name": 60,
    "address": 55,
    "city": 30,
    "contact_name": 60,
    "receiver_name": 60,
    "attending_last_name": 60,
    "attending_first_name": 35,
}


# Reads.


@dataclass(frozen=True)
class PayerRow:
    payer: Payer
    in_use: bool
    place_words: str


def payers_of(user: User) -> QuerySet[Payer]:
    return Payer.objects.filter(organization_id=access.organization_id(user))


def payer_rows(user: User) -> list[PayerRow]:
    """The organization's payers, each with whether coverages or claims use it."""
    rows = payers_of(user).annotate(
        covered=Exists(Coverage.objects.filter(payer=OuterRef("pk"))),
        claimed=Exists(Claim.objects.filter(payer=OuterRef("pk"))),
    )
    return [
        PayerRow(
            p,
            bool(getattr(p, "covered", False) or getattr(p, "claimed", False)),
            ids.PLACE_OF_SERVICE.get(p.place_of_service, "not in the list of this page"),
        )
        for p in rows.order_by("name", "pk")
    ]


def payer_for(user: User, pk: int, *, action: Action, request: HttpRequest | None = None) -> Payer:
    """A payer of the user's organization (else an audited 404), then the role (else an
    audited 403)."""
    payer = payers_of(user).filter(pk=pk).first()
    if payer is None:
        raise access.not_found(user, "billing.payer", pk, request=request)
    policy.require(user, action, request=request, obj=payer)
    return payer


def payer_in_use(payer: Payer) -> bool:
    return (
        Coverage.objects.filter(payer=payer).exists() or Claim.objects.filter(payer=payer).exists()
    )


def provider_of(user: User) -> BillingProvider | None:
    return BillingProvider.objects.filter(organization_id=access.organization_id(user)).first()


@dataclass(frozen=True)
class FeeCode:
    code: str
    words: str


def fee_codes(user: User) -> list[FeeCode]:
    """The procedure codes the program charges: the two per-diem codes, each program's
    discrete-service code, the codes of existing charges and those already in the fee
    schedule; per-diem codes first, then in code order."""
    org_id = access.organization_id(user)
    words: dict[str, str] = dict(CODE_NAMES)
    for code, program in (
        ProgramBilling.objects.filter(program__site__organization_id=org_id)
        .exclude(discrete_code="")
        .values_list("discrete_code", "program__name")
        .order_by("program__name")
    ):
        words.setdefault(code, f"Discrete service ({program}, program policy)")
    for code in (
        Charge.objects.filter(organization_id=org_id)
        .exclude(code="")
        .values_list("code", flat=True)
        .distinct()
    ):
        words.setdefault(code, "Billed on existing charges")
    provider = BillingProvider.objects.filter(organization_id=org_id).first()
    for code in (provider.fees or {}) if provider is not None else {}:
        words.setdefault(str(code), "In the fee schedule")
    order = {code: n for n, code in enumerate(PER_DIEM_CODES)}
    return [
        FeeCode(code, words[code])
        for code in sorted(words, key=lambda c: (order.get(c, len(order)), c))
    ]


# Payers.


def _payer_values(
    *,
    org_id: int,
    current: Payer | None,
    name: str,
    payer_id: str,
    claim_type: str,
    filing_indicator: str,
    is_medicare: bool,
    place_of_service: str,
    revenue_codes: Mapping[str, str],
) -> dict[str, Any]:
    """The payer's new values, or a ValidationError naming each wrong field."""
    errors: dict[str, str] = {}
    name = " ".join(name.split())
    payer_id = payer_id.strip()
    if len(name) < 2:
        errors["name"] = "Give the payer's name."
    elif len(name) > 120:
        errors["name"] = "Give the payer's name in at most 120 characters."
    if not ids.is_payer_id(payer_id):
        errors["payer_id"] = (
            "The payer id is 2 to 20 letters or digits, without spaces or other signs, as the "
            "payer or clearinghouse gives it (program policy)."
        )
    else:
        same = Payer.objects.filter(organization_id=org_id, payer_id__iexact=payer_id)
        if current is not None:
            same = same.exclude(pk=current.pk)
        if same.exists():
            errors["payer_id"] = "Another payer of your organization already has this payer id."
    if claim_type not in ClaimType.values:
        errors["claim_type"] = "Choose which claim form this payer takes."
    if filing_indicator not in FilingIndicator.values:
        errors["filing_indicator"] = "Choose the kind of coverage this payer is."
    if not ids.is_place_of_service(place_of_service):
        errors["place_of_service"] = (
            "Choose the place of service from the list (two-digit codes of the CMS "
            "place-of-service code set)."
        )
    codes = dict(current.revenue_codes or {}) if current is not None else {}
    for code, field in REVENUE_FIELDS.items():
        value = (revenue_codes.get(code) or "").strip()
        if value and not ids.is_revenue_code(value):
            errors[field] = (
                "A revenue code is 4 digits from the NUBC revenue code list, for example 0905 "
                "or 0906 (intensive outpatient services)."
            )
        elif not value and claim_type != ClaimType.PROFESSIONAL:
            errors[field] = (
                f"Institutional claims (UB-04) to this payer need a revenue code for {code}."
            )
        if value:
            codes[code] = value
        else:
            codes.pop(code, None)
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "payer_id": payer_id,
        "claim_type": claim_type,
        "filing_indicator": filing_indicator,
        "is_medicare": bool(is_medicare),
        "place_of_service": place_of_service,
        "revenue_codes": codes,
    }


def _save_payer(payer: Payer) -> None:
    """Save inside a savepoint: two people adding the same payer id at once get the form
    error, not a server error."""
    try:
        with transaction.atomic():
            payer.save()
    except IntegrityError:
        raise ValidationError(
            {"payer_id": "Another payer of your organization already has this payer id."}
        ) from None


@service
def payer_add(
    *,
    actor: User,
    name: str,
    payer_id: str,
    claim_type: str,
    filing_indicator: str,
    is_medicare: bool,
    place_of_service: str,
    revenue_codes: Mapping[str, str],
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> Payer:
    """Add a payer to the actor's organization."""
    policy.require(
        actor,
        Action.BILLING_MANAGE,
        request=request,
        object_type="billing.payer",
        signed_in=signed_in,
    )
    org_id = access.organization_id(actor)
    values = _payer_values(
        org_id=org_id,
        current=None,
        name=name,
        payer_id=payer_id,
        claim_type=claim_type,
        filing_indicator=filing_indicator,
        is_medicare=is_medicare,
        place_of_service=place_of_service,
        revenue_codes=revenue_codes,
    )
    payer = Payer(organization_id=org_id, **values)
    _save_payer(payer)
    audit.record(
        actor=actor,
        action=AuditAction.ADD,
        obj=payer,
        fields=PAYER_FIELDS,
        request=request,
        organization_id=org_id,
        detail=f"payer added: {payer.payer_id}",
    )
    return payer


@service
def payer_change(
    *,
    actor: User,
    payer: Payer,
    name: str,
    payer_id: str,
    claim_type: str,
    filing_indicator: str,
    is_medicare: bool,
    place_of_service: str,
    revenue_codes: Mapping[str, str],
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> Payer:
    """Change a payer of the actor's organization. Claims already built keep what they were
    built with; the change applies to charges generated and claims built from now on."""
    policy.require(actor, Action.BILLING_MANAGE, request=request, obj=payer, signed_in=signed_in)
    org_id = access.organization_id(actor)
    row = Payer.objects.select_for_update().filter(pk=payer.pk, organization_id=org_id).first()
    if row is None:
        raise ValidationError({"__all__": "This payer is not one of your organization's."})
    values = _payer_values(
        org_id=org_id,
        current=row,
        name=name,
        payer_id=payer_id,
        claim_type=claim_type,
        filing_indicator=filing_indicator,
        is_medicare=is_medicare,
        place_of_service=place_of_service,
        revenue_codes=revenue_codes,
    )
    changed = [field for field, value in values.items() if getattr(row, field) != value]
    if not changed:
        return row
    for field in changed:
        setattr(row, field, values[field])
    _save_payer(row)
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=row,
        fields=changed,
        request=request,
        organization_id=org_id,
        detail=f"payer changed: {row.payer_id}",
    )
    return row


# The billing provider.


def _provider_values(data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for field, limit in TEXT_LIMITS.items():
        value = " ".join(str(data.get(field) or "").split())
        values[field] = value
        if not value:
            errors[field] = "This is needed on every claim."
        elif len(value) > limit:
            errors[field] = f"At most {limit} characters fit on a claim."
    for field in ("npi", "attending_npi"):
        value = str(data.get(field) or "").replace(" ", "").replace("-", "")
        values[field] = value
        if not ids.is_digits(value, 10):
            errors[field] = "An NPI is 10 digits."
        elif not ids.is_valid_npi(value):
            errors[field] = (
                "This is not a valid NPI: its last digit does not match the check digit of "
                "the NPI standard. Check it for a typing error."
            )
    tax_id = ids.digits_only(str(data.get("tax_id") or ""))
    values["tax_id"] = tax_id
    if not ids.is_digits(tax_id, 9):
        errors["tax_id"] = "The tax id (employer identification number) is 9 digits."
    state = str(data.get("state") or "").strip().upper()
    values["state"] = state
    if not ids.is_state(state):
        errors["state"] = "Give the state as its 2-letter postal abbreviation, for example OR."
    zip_code = ids.digits_only(str(data.get("zip_code") or ""))
    values["zip_code"] = zip_code
    if len(zip_code) == 5:
        errors["zip_code"] = (
            "Claims need the billing provider's full ZIP+4 code: add the last 4 digits."
        )
    elif not ids.is_digits(zip_code, 9):
        errors["zip_code"] = "The ZIP code is 5 digits, or 9 with the ZIP+4 ending."
    phone = ids.digits_only(str(data.get("contact_phone") or ""))
    values["contact_phone"] = phone
    if not ids.is_digits(phone, 10):
        errors["contact_phone"] = "The phone number is 10 digits, area code first."
    facility = str(data.get("facility_type") or "").strip()
    values["facility_type"] = facility
    if not ids.is_digits(facility, 2):
        errors["facility_type"] = (
            "The facility type is 2 digits: the first two digits of the type of bill on "
            "institutional claims, for example 13."
        )
    taxonomy = str(data.get("taxonomy") or "").strip().upper()
    values["taxonomy"] = taxonomy
    if taxonomy and not (len(taxonomy) == 10 and taxonomy.isalnum() and taxonomy.isascii()):
        errors["taxonomy"] = "A taxonomy code is 10 letters or digits, for example 261QR0405X."
    for field in ("submitter_id", "receiver_id"):
        value = str(data.get(field) or "").strip()
        values[field] = value
        if not (2 <= len(value) <= 15 and value.isalnum() and value.isascii()):
            errors[field] = (
                "Give it as the clearinghouse gave it: 2 to 15 letters or digits (program policy)."
            )
    values["production"] = bool(data.get("production"))
    if errors:
        raise ValidationError(errors)
    return values


@service
def provider_save(
    *,
    actor: User,
    request: HttpRequest | None = None,
    signed_in: bool = True,
    **data: Any,
) -> BillingProvider:
    """Record or change the organization's billing provider (one per organization)."""
    policy.require(
        actor,
        Action.BILLING_MANAGE,
        request=request,
        object_type="billing.billingprovider",
        signed_in=signed_in,
    )
    unknown = sorted(set(data) - set(PROVIDER_FIELDS))
    if unknown:
        raise TypeError(f"unknown billing provider fields: {unknown}")
    org_id = access.organization_id(actor)
    values = _provider_values(data)
    row = BillingProvider.objects.select_for_update().filter(organization_id=org_id).first()
    if row is None:
        row = BillingProvider.objects.create(organization_id=org_id, **values)
        action, changed = AuditAction.ADD, list(PROVIDER_FIELDS)
    else:
        changed = [f for f, v in values.items() if getattr(row, f) != v]
        if not changed:
            return row
        for field in changed:
            setattr(row, field, values[field])
        row.save(update_fields=changed)
        action = AuditAction.CHANGE
    detail = "billing provider " + ("recorded" if action == AuditAction.ADD else "changed")
    if "production" in changed:
        detail += "; files now marked " + ("production" if row.production else "test")
    audit.record(
        actor=actor,
        action=action,
        obj=row,
        fields=changed,
        request=request,
        organization_id=org_id,
        detail=detail,
    )
    return row


# The fee schedule.


def fee_field(code: str) -> str:
    return f"fee_{code}"


def parse_fee(value: str) -> Decimal | None:
    """A typed amount ("162.50", "$1,200") as a Decimal; None when blank; ValueError when it is
    not a number."""
    text = value.strip().replace("$", "").replace(",", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(value) from None
    if not amount.is_finite():
        raise ValueError(value)
    return amount


@service
def fees_save(
    *,
    actor: User,
    fees: Mapping[str, Decimal | None],
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> BillingProvider:
    """Set the charge amount of each procedure code the program charges (a code given None
    has no amount). Claims already built keep their amounts."""
    policy.require(
        actor,
        Action.BILLING_MANAGE,
        request=request,
        object_type="billing.billingprovider",
        signed_in=signed_in,
    )
    org_id = access.organization_id(actor)
    row = BillingProvider.objects.select_for_update().filter(organization_id=org_id).first()
    if row is None:
        raise ValidationError(
            {"__all__": "Record the billing provider first: the fee schedule is kept with it."}
        )
    allowed = {c.code for c in fee_codes(actor)}
    errors: dict[str, str] = {}
    schedule: dict[str, str] = {str(k): str(v) for k, v in (row.fees or {}).items()}
    for code, amount in fees.items():
        if code not in allowed:
            errors["__all__"] = f"{code} is not a procedure code the program charges."
            continue
        if amount is None:
            schedule.pop(code, None)
            continue
        if not (Decimal("0") < amount < MAX_FEE) or amount != amount.quantize(CENT):
            errors[fee_field(code)] = (
                "Give an amount above zero and under $100,000, in dollars and cents "
                "(program policy)."
            )
            continue
        schedule[code] = str(amount.quantize(CENT))
    if errors:
        raise ValidationError(errors)
    before = {str(k): str(v) for k, v in (row.fees or {}).items()}
    if schedule == before:
        return row
    row.fees = schedule
    row.save(update_fields=["fees"])
    moves = [
        f"{code} {before.get(code, 'none')} to {schedule.get(code, 'none')}"
        for code in sorted(set(before) | set(schedule))
        if before.get(code) != schedule.get(code)
    ]
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=row,
        fields=["fees"],
        request=request,
        organization_id=org_id,
        detail="fee schedule: " + ", ".join(moves),
    )
    return row


# Program billing policy.


@dataclass(frozen=True)
class ProgramRow:
    """A program of the organization with its billing policy (defaults when none is saved)."""

    program: Program
    video_place_of_service: str
    discrete_code: str

    @property
    def video_place_words(self) -> str:
        return VideoPlaceOfService(self.video_place_of_service).label


def video_place_field(program_id: int) -> str:
    """The form field of a program's video place of service."""
    return f"video_place_{program_id}"


def program_rows(user: User) -> list[ProgramRow]:
    """The organization's programs with their billing policy, by site and name (one query)."""
    programs = (
        Program.objects.filter(site__organization_id=access.organization_id(user))
        .select_related("site", "billing_settings")
        .order_by("site__name", "name", "pk")
    )
    rows = []
    for program in programs:
        saved = getattr(program, "billing_settings", None)
        rows.append(
            ProgramRow(
                program,
                saved.video_place_of_service if saved else VideoPlaceOfService.PATIENT_HOME,
                saved.discrete_code if saved else "",
            )
        )
    return rows


@service
def program_billing_save(
    *,
    actor: User,
    places: Mapping[int, str],
    request: HttpRequest | None = None,
    signed_in: bool = True,
) -> list[ProgramBilling]:
    """Set where each program's patients usually join video sessions from (program policy):
    `places` maps a program id of the actor's organization to 10 (telehealth in the patient's
    home) or 02 (telehealth other than in the patient's home). The place goes on professional
    claims for a day attended only by video, on charges generated from now on. Returns the
    rows changed."""
    policy.require(
        actor,
        Action.BILLING_MANAGE,
        request=request,
        object_type="billing.programbilling",
        signed_in=signed_in,
    )
    org_id = access.organization_id(actor)
    names = dict(
        Program.objects.filter(site__organization_id=org_id, pk__in=list(places)).values_list(
            "pk", "name"
        )
    )
    errors: dict[str, str] = {}
    for program_id, place in places.items():
        if program_id not in names:
            errors["__all__"] = "One of these programs is not one of your organization's."
        elif place not in VideoPlaceOfService.values:
            errors[video_place_field(program_id)] = (
                "Choose 10, telehealth in the patient's home, or 02, telehealth other than in "
                "the patient's home."
            )
    if errors:
        raise ValidationError(errors)
    saved = {
        row.program_id: row
        for row in ProgramBilling.objects.select_for_update().filter(program_id__in=list(places))
    }
    changed: list[ProgramBilling] = []
    for program_id, place in sorted(places.items()):
        row = saved.get(program_id)
        before = row.video_place_of_service if row else str(VideoPlaceOfService.PATIENT_HOME)
        if place == before:
            continue  # no row is written for a program left at the default
        action = AuditAction.CHANGE
        if row is None:
            row, created = ProgramBilling.objects.get_or_create(
                program_id=program_id, defaults={"video_place_of_service": place}
            )
            if created:
                action = AuditAction.ADD
            else:  # saved by someone else meanwhile
                before = row.video_place_of_service
                if place == before:
                    continue
        if action == AuditAction.CHANGE:
            row.video_place_of_service = place
            row.save(update_fields=["video_place_of_service"])
        changed.append(row)
        audit.record(
            actor=actor,
            action=action,
            obj=row,
            fields=["video_place_of_service"],
            request=request,
            organization_id=org_id,
            detail=(
                f"program billing policy of {names[program_id]}: a day attended only by video "
                f"is billed as {place} ({ids.PLACE_OF_SERVICE[place]}), was {before} "
                f"({ids.PLACE_OF_SERVICE[before]})"
            ),
        )
    return changed
