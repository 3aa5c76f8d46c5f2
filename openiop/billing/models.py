"""Payers, a patient's coverage and Medicare certifications, program billing settings and
charges. The rules are in `openiop.domain.billing`; nothing here decides a charge."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models

from openiop.domain.billing.charges import (
    DEFAULT_PLACE_OF_SERVICE,
    TELEHEALTH_IN_HOME,
    TELEHEALTH_OTHER_THAN_HOME,
)


class ClaimType(models.TextChoices):
    INSTITUTIONAL = "institutional", "Institutional (UB-04 / 837I)"
    PROFESSIONAL = "professional", "Professional (CMS-1500 / 837P)"
    BOTH = "both", "Both"


def default_revenue_codes() -> dict[str, str]:
    """Starting values only: references disagree (0905 or 0906 for either code), so each payer
    keeps its own."""
    return {"H0015": "0906", "S9480": "0905"}


class FilingIndicator(models.TextChoices):
    """SBR09 claim filing indicator (a few of the ASC X12N 005010 values)."""

    MEDICARE_PART_A = "MA", "Medicare Part A"
    MEDICARE_PART_B = "MB", "Medicare Part B"
    MEDICAID = "MC", "Medicaid"
    COMMERCIAL = "CI", "Commercial insurance"
    BLUE_CROSS = "BL", "Blue Cross / Blue Shield"
    HMO = "HM", "Health maintenance organization"


class Payer(models.Model):
    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="payers"
    )
    name = models.CharField(max_length=120)
    payer_id = models.CharField(max_length=20, help_text="The payer's electronic id.")
    claim_type = models.CharField(max_length=16, choices=ClaimType.choices)
    revenue_codes = models.JSONField(default=default_revenue_codes)
    place_of_service = models.CharField(max_length=2, default=DEFAULT_PLACE_OF_SERVICE)
    is_medicare = models.BooleanField(default=False)
    filing_indicator = models.CharField(
        max_length=2,
        choices=FilingIndicator.choices,
        default=FilingIndicator.COMMERCIAL,
        help_text="The claim filing indicator sent on claims to this payer.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "payer_id"], name="payer_unique_id")
        ]

    def __str__(self) -> str:
        return self.name


class Relationship(models.TextChoices):
    SELF = "self", "Self"
    SPOUSE = "spouse", "Spouse"
    CHILD = "child", "Child"
    OTHER = "other", "Other"


class Coverage(models.Model):
    """One coverage of a patient, in billing order (1 primary, 2 secondary ...)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="coverages"
    )
    rank = models.PositiveSmallIntegerField()
    self_pay = models.BooleanField(default=False)
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, null=True, blank=True)
    member_id = models.CharField(max_length=40, blank=True)
    subscriber_last_name = models.CharField(max_length=60, blank=True)
    subscriber_first_name = models.CharField(max_length=35, blank=True)
    relationship = models.CharField(
        max_length=8, choices=Relationship.choices, default=Relationship.SELF
    )
    eligibility_checked_on = models.DateField(null=True, blank=True)
    guarantor_name = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["patient_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "rank"], name="coverage_one_per_rank"),
            models.CheckConstraint(
                condition=models.Q(self_pay=True, payer__isnull=True)
                | models.Q(self_pay=False, payer__isnull=False),
                name="coverage_payer_or_self_pay",
            ),
            models.CheckConstraint(condition=models.Q(rank__gte=1), name="coverage_rank_positive"),
        ]

    def __str__(self) -> str:
        return f"Coverage {self.rank} of patient {self.patient_id}"


class Certification(models.Model):
    """A physician's certification of need for Medicare intensive outpatient services."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="certifications"
    )
    physician_name = models.CharField(max_length=120)
    certified_on = models.DateField()
    recertify_by = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["patient_id", "-certified_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recertify_by__gte=models.F("certified_on")),
                name="certification_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"Certification of patient {self.patient_id} on {self.certified_on}"


class VideoPlaceOfService(models.TextChoices):
    """The CMS telehealth places of service (`openiop.domain.billing.charges`)."""

    PATIENT_HOME = TELEHEALTH_IN_HOME, "10, telehealth in the patient's home"
    OTHER_THAN_HOME = (
        TELEHEALTH_OTHER_THAN_HOME,
        "02, telehealth other than in the patient's home (for example from a clinic, a "
        "school or a workplace)",
    )


VIDEO_PLACE_LABEL = "Program policy: where your patients usually join video sessions from"


class ProgramBilling(models.Model):
    """A program's billing choices without a published source (program policy)."""

    program = models.OneToOneField(
        "organization.Program", on_delete=models.PROTECT, related_name="billing_settings"
    )
    discrete_code = models.CharField(
        max_length=5,
        blank=True,
        help_text="Program policy: the code billed on a day under the per-diem minimum.",
    )
    video_place_of_service = models.CharField(
        VIDEO_PLACE_LABEL,
        max_length=2,
        choices=VideoPlaceOfService.choices,
        default=VideoPlaceOfService.PATIENT_HOME,
        help_text="Sent on professional claims for a day the patient attended only by video.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(video_place_of_service__in=VideoPlaceOfService.values),
                name="program_billing_video_place",
            )
        ]

    def __str__(self) -> str:
        return f"Billing settings of program {self.program_id}"


class Service(models.TextChoices):
    PER_DIEM = "per_diem", "Per diem"
    DISCRETE = "discrete", "Discrete service"
    NONE = "none", "No charge"


class ChargeStatus(models.TextChoices):
    READY = "ready", "Ready"
    HELD = "held", "Held"
    NO_CHARGE = "no_charge", "No charge"
    VOID = "void", "Replaced"


class Charge(models.Model):
    """A patient's day as a charge. One row per patient, day and service (constraint)."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="charges"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="charges"
    )
    service_date = models.DateField()
    service = models.CharField(max_length=10, choices=Service.choices)
    status = models.CharField(max_length=10, choices=ChargeStatus.choices, db_index=True)
    code = models.CharField(max_length=5, blank=True)
    revenue_code = models.CharField(max_length=4, blank=True)
    condition_codes = models.CharField(max_length=20, blank=True)
    place_of_service = models.CharField(max_length=2, blank=True)
    minutes = models.PositiveIntegerField(default=0)
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    generated_at = models.DateTimeField()
    claim = models.ForeignKey(
        "billing.Claim",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charges",
        help_text="The claim the charge is billed on (at most one).",
    )
    billed_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["service_date", "patient_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "service_date", "service"], name="charge_once_per_day_service"
            )
        ]
        indexes = [models.Index(fields=["organization", "service_date"])]

    def __str__(self) -> str:
        return f"Charge {self.code or self.service} on {self.service_date}"


class BillingProvider(models.Model):
    """The organization's billing identity on claims (837 loops 1000A, 1000B, 2010AA, 2310A)
    and its charge amounts per procedure code (its own fee schedule, program policy)."""

    organization = models.OneToOneField(
        "organization.Organization", on_delete=models.PROTECT, related_name="billing_provider"
    )
    name = models.CharField(max_length=60)
    npi = models.CharField("NPI", max_length=10)
    tax_id = models.CharField("tax id (EIN, 9 digits)", max_length=9)
    taxonomy = models.CharField(max_length=10, blank=True)
    address = models.CharField(max_length=55)
    city = models.CharField(max_length=30)
    state = models.CharField(max_length=2)
    zip_code = models.CharField("ZIP+4 (9 digits)", max_length=9)
    submitter_id = models.CharField(max_length=15, help_text="Our id at the receiver.")
    contact_name = models.CharField(max_length=60)
    contact_phone = models.CharField(max_length=10)
    receiver_name = models.CharField(max_length=60)
    receiver_id = models.CharField(max_length=15)
    attending_last_name = models.CharField(max_length=60)
    attending_first_name = models.CharField(max_length=35)
    attending_npi = models.CharField("attending NPI", max_length=10)
    facility_type = models.CharField(max_length=2, default="13")
    fees = models.JSONField(default=dict, help_text="Charge per procedure code, e.g. 162.50.")
    production = models.BooleanField(
        default=False, help_text="Send files marked for production (otherwise test files)."
    )

    def __str__(self) -> str:
        return self.name


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "Draft (needs fixing)"
    CHECKING = "checking", "Being checked"
    READY = "ready", "Ready to send"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected (fix and build again)"
    DENIED = "denied", "Denied"
    PAID = "paid", "Paid"
    APPEALED = "appealed", "Appealed"
    VOID = "void", "Withdrawn"


class ClaimKind(models.TextChoices):
    INSTITUTIONAL = "institutional", "Institutional (837I)"
    PROFESSIONAL = "professional", "Professional (837P)"


class ClaimFile(models.Model):
    """One 837 file: the claims of one payer and claim type built together."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="claim_files"
    )
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="claim_files")
    kind = models.CharField(max_length=16, choices=ClaimKind.choices)
    first_day = models.DateField()
    last_day = models.DateField()
    status = models.CharField(max_length=10, choices=ClaimStatus.choices)
    text = models.TextField(blank=True)
    problems = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Claim file {self.pk}"

    @property
    def filename(self) -> str:
        suffix = "837i" if self.kind == ClaimKind.INSTITUTIONAL else "837p"
        return f"claims-{self.pk}-{self.payer.payer_id}-{suffix}.x12"


class Claim(models.Model):
    """One claim: a patient's ready charges of a period for one payer and claim type.
    `control_number` is our claim id (CLM01), echoed by the payer in the 835 (CLP01)."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="claims"
    )
    claim_file = models.ForeignKey(
        ClaimFile, on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="claims")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="claims")
    coverage = models.ForeignKey(Coverage, on_delete=models.PROTECT, related_name="claims")
    kind = models.CharField(max_length=16, choices=ClaimKind.choices)
    first_day = models.DateField()
    last_day = models.DateField()
    status = models.CharField(max_length=10, choices=ClaimStatus.choices, db_index=True)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    paid = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    patient_responsibility = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0")
    )
    control_number = models.CharField(max_length=20)
    problems = models.JSONField(default=list)
    created_at = models.DateTimeField()
    primary_claim = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="secondary_claims",
        help_text="For a claim to a secondary payer: the primary payer's claim of the same days.",
    )

    class Meta:
        ordering = ["first_day", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "control_number"], name="claim_control_number_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "first_day"])]

    def __str__(self) -> str:
        return f"Claim {self.control_number}"


class ClaimEventSource(models.TextChoices):
    STAFF = "staff", "Billing staff"
    BUILD = "build", "Claim build"
    ACK_999 = "999", "Acknowledgment of the file (999)"
    ACK_277CA = "277ca", "Claim acknowledgment (277CA)"
    REMITTANCE = "835", "Remittance (835)"


class ClaimEvent(models.Model):
    """One change of a claim's status: from what, to what, why, by whom or which file."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=10, choices=ClaimStatus.choices)
    to_status = models.CharField(max_length=10, choices=ClaimStatus.choices)
    source = models.CharField(max_length=6, choices=ClaimEventSource.choices)
    note = models.TextField(blank=True)
    codes = models.CharField(
        max_length=500, blank=True, help_text="e.g. 277CA STC codes, or a 999's errors."
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["claim_id", "at", "id"]

    def __str__(self) -> str:
        return f"Claim {self.claim_id}: {self.from_status} to {self.to_status}"


class AcknowledgmentKind(models.TextChoices):
    ACK_999 = "999", "File acknowledgment (999)"
    ACK_277CA = "277ca", "Claim acknowledgment (277CA)"


class Acknowledgment(models.Model):
    """One imported acknowledgment file (999 or 277CA), kept with what it changed."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="acknowledgments"
    )
    kind = models.CharField(max_length=6, choices=AcknowledgmentKind.choices)
    control_number = models.CharField(
        max_length=40,
        help_text="The sender's id and the file's control number (ISA06 and ISA13).",
    )
    text = models.TextField()
    summary = models.JSONField(default=dict)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "control_number"], name="acknowledgment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Acknowledgment {self.kind} {self.control_number}"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "Card"
    CHECK = "check", "Check"
    OTHER = "other", "Other"


class PatientPayment(models.Model):
    """A payment the patient (or guarantor) made to the program. Voided, never deleted."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="patient_payments"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="payments_made"
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    received_on = models.DateField()
    method = models.CharField(max_length=6, choices=PaymentMethod.choices)
    reference = models.CharField(max_length=40, blank=True, help_text="Check or receipt number.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["patient_id", "-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="patient_payment_amount_positive"
            )
        ]

    def __str__(self) -> str:
        return f"Payment of {self.amount} by patient {self.patient_id}"


class Remittance(models.Model):
    """One imported 835: the payment and its trace number."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="remittances"
    )
    trace_number = models.CharField(max_length=50)
    payment_date = models.DateField()
    payment = models.DecimalField(max_digits=12, decimal_places=2)
    provider_adjustments = models.DecimalField(max_digits=12, decimal_places=2)
    text = models.TextField()
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField()

    class Meta:
        ordering = ["-posted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "trace_number"], name="remittance_trace_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Remittance {self.trace_number}"


class Payment(models.Model):
    """One claim paid (or denied) in a remittance (835 CLP)."""

    remittance = models.ForeignKey(Remittance, on_delete=models.PROTECT, related_name="payments")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="payments")
    status_code = models.CharField(max_length=2)
    charge = models.DecimalField(max_digits=12, decimal_places=2)
    paid = models.DecimalField(max_digits=12, decimal_places=2)
    patient_responsibility = models.DecimalField(max_digits=12, decimal_places=2)
    payer_claim_number = models.CharField(max_length=50, blank=True)

    def __str__(self) -> str:
        return f"Payment of claim {self.claim_id}"


class Adjustment(models.Model):
    """One adjustment (835 CAS): group, reason code (CARC), remark codes (RARC), amount."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="adjustments")
    group = models.CharField(max_length=2)
    reason = models.CharField(max_length=5)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    remarks = models.CharField(max_length=100, blank=True)
    procedure_code = models.CharField(max_length=5, blank=True)
    service_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["payment_id", "id"]

    def __str__(self) -> str:
        return f"{self.group}-{self.reason} {self.amount}"


class CostEstimate(models.Model):
    """A saved cost estimate for a patient before admission: the inputs, the totals and who
    made it. `good_faith` marks a No Surprises Act good-faith estimate (uninsured or self-pay
    patient, 45 CFR 149.610); otherwise it is an estimate under the patient's plan."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="cost_estimates"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="cost_estimates"
    )
    good_faith = models.BooleanField()
    starts_on = models.DateField()
    weeks = models.PositiveSmallIntegerField()
    days_per_week = models.PositiveSmallIntegerField()
    service_code = models.CharField(max_length=5)
    daily_rate = models.DecimalField(max_digits=10, decimal_places=2)
    insurance = models.JSONField(
        default=dict, blank=True, help_text="The plan terms given (insured patients only)."
    )
    diagnoses = models.JSONField(default=list)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    patient_share = models.DecimalField(max_digits=12, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["patient_id", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weeks__gte=1, weeks__lte=52), name="estimate_weeks_1_52"
            ),
            models.CheckConstraint(
                condition=models.Q(days_per_week__gte=1, days_per_week__lte=7),
                name="estimate_days_1_7",
            ),
        ]

    def __str__(self) -> str:
        return f"Cost estimate {self.pk}"

    @property
    def ends_on(self) -> date:
        return self.starts_on + timedelta(weeks=self.weeks, days=-1)
