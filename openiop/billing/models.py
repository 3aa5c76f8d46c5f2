"""Payers, a patient's coverage and Medicare certifications, program billing settings and
charges. The rules are in `openiop.domain.billing`; nothing here decides a charge."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from openiop.domain.billing.charges import DEFAULT_PLACE_OF_SERVICE


class ClaimType(models.TextChoices):
    INSTITUTIONAL = "institutional", "Institutional (UB-04 / 837I)"
    PROFESSIONAL = "professional", "Professional (CMS-1500 / 837P)"
    BOTH = "both", "Both"


def default_revenue_codes() -> dict[str, str]:
    """Starting values only: references disagree (0905 or 0906 for either code), so each payer
    keeps its own."""
    return {"H0015": "0906", "S9480": "0905"}


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
    subscriber_name = models.CharField(max_length=120, blank=True)
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
