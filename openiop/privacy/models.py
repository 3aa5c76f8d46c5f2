"""42 CFR Part 2 records: consents (2.31), the admission notice (2.22), disclosures (2.32,
2.25, 2.51) and the breach log (2.16 and 45 CFR 164.400-414).

Every write goes through `openiop.privacy.services` (consents, notices, breaches) or the one
disclosure gate `openiop.privacy.gate` (disclosures). Rows are never deleted: a consent is
revoked or replaced by a new version, a disclosure is a permanent record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from openiop.domain.consent import DATA, PURPOSES, RECIPIENT_KINDS


class ConsentKind(models.TextChoices):
    TPO = "tpo", "Treatment, payment and health care operations"
    NAMED = "named", "Named recipient"
    SUD_NOTES = "sud_notes", "SUD counseling notes"
    RESEARCH = "research", "Research"


class SignerRelation(models.TextChoices):
    PATIENT = "patient", "The patient"
    PARENT = "parent", "Parent"
    GUARDIAN = "guardian", "Legal guardian"
    REPRESENTATIVE = "representative", "Authorized representative"


class SignatureMethod(models.TextChoices):
    SCREEN = "screen", "Signed on screen"
    PAPER = "paper", "Signed on paper (scan attached)"


class RevocationMethod(models.TextChoices):
    WRITING = "writing", "In writing"
    SPOKEN = "spoken", "Spoken, written down by staff"


PURPOSE_CHOICES = list(PURPOSES.items())
RECIPIENT_KIND_CHOICES = list(RECIPIENT_KINDS.items())
DATA_CHOICES = list(DATA.items())


class Consent(models.Model):
    """One version of a patient's written consent to disclose (42 CFR 2.31(a)).

    A change is a new version (`supersedes` points at the one it replaces, which gets
    `superseded_at`); a revocation stamps `revoked_at` and covers nothing from that moment."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="consents"
    )
    kind = models.CharField(max_length=16, choices=ConsentKind.choices)
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)
    disclosing_party = models.CharField(
        "who may disclose", max_length=200, help_text="The program (42 CFR 2.31(a)(2))."
    )
    recipient_kind = models.CharField(max_length=24, choices=RECIPIENT_KIND_CHOICES)
    recipient_name = models.CharField("to whom", max_length=200)
    recipient_key = models.CharField(
        max_length=64,
        blank=True,
        help_text="A recipient the program knows as a record, such as a FHIR client.",
    )
    purpose = models.CharField(max_length=24, choices=PURPOSE_CHOICES)
    purpose_detail = models.CharField(max_length=300, blank=True)
    data = models.JSONField("what information", default=list)
    data_detail = models.CharField(
        "how much", max_length=300, blank=True, help_text="For example a period or a limit."
    )
    expires_on = models.DateField(null=True, blank=True)
    ends_with_treatment = models.BooleanField(default=False)
    signer_name = models.CharField(max_length=200)
    signer_relation = models.CharField(
        max_length=16, choices=SignerRelation.choices, default=SignerRelation.PATIENT
    )
    signed_on = models.DateField()
    signature_method = models.CharField(max_length=8, choices=SignatureMethod.choices)
    scan = models.BinaryField(null=True, blank=True, editable=False)
    scan_type = models.CharField(max_length=40, blank=True)
    scan_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_method = models.CharField(max_length=8, choices=RevocationMethod.choices, blank=True)
    revocation_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["patient", "kind"], name="consent_patient_kind")]
        constraints = [
            models.CheckConstraint(
                condition=~(
                    models.Q(expires_on__isnull=False) & models.Q(ends_with_treatment=True)
                ),
                name="consent_one_expiry",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | models.Q(revoked_by__isnull=False),
                name="consent_revoked_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"consent {self.pk} (v{self.version}) of patient {self.patient_id}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None and self.revoked_at is None


class NoticeMethod(models.TextChoices):
    PAPER = "paper", "Given on paper"
    SCREEN = "screen", "Shown on screen"
    READ_ALOUD = "read_aloud", "Read aloud and given on paper"


class NoticeGiven(models.Model):
    """The patient was told, at admission, that federal law protects their SUD records and
    given the program's notice (42 CFR 2.22); which version, when, how and by whom."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="part2_notices"
    )
    version = models.CharField(max_length=20)
    given_on = models.DateField()
    method = models.CharField(max_length=12, choices=NoticeMethod.choices)
    acknowledged = models.BooleanField(
        default=False, help_text="The patient signed that they received it."
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-given_on", "-id"]

    def __str__(self) -> str:
        return f"Part 2 notice {self.version} to patient {self.patient_id}"


class Channel(models.TextChoices):
    LETTER = "letter", "Letter"
    CLAIM = "claim", "Insurance claim"
    PACKET = "packet", "Review packet"
    FHIR = "fhir", "FHIR API"
    EXPORT = "export", "Bulk export"
    REFERRAL = "referral", "Referral"
    PORTAL = "portal", "Portal"
    EMERGENCY = "emergency", "Medical emergency"
    STATE_REPORT = "state_report", "Report to the state"


class Disclosure(models.Model):
    """Patient data that left the program: what, to whom, why, under which consent, when and
    by whom (42 CFR 2.25 and 45 CFR 164.528(b)(2)). A medical emergency (42 CFR 2.51) has no
    consent and records the emergency's details instead."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="part2_disclosures"
    )
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="disclosures"
    )
    channel = models.CharField(max_length=12, choices=Channel.choices)
    recipient_kind = models.CharField(max_length=24, choices=RECIPIENT_KIND_CHOICES)
    recipient_name = models.CharField(max_length=200)
    recipient_key = models.CharField(max_length=64, blank=True)
    purpose = models.CharField(max_length=24, choices=PURPOSE_CHOICES)
    data = models.JSONField(default=list)
    description = models.CharField(max_length=300)
    made_at = models.DateTimeField()
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client_name = models.CharField(
        max_length=200, blank=True, help_text="The system client that received it, if any."
    )
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # 42 CFR 2.51(c): after an emergency disclosure the program records who received it,
    # their affiliation, who disclosed, when, and the nature of the emergency.
    emergency = models.BooleanField(default=False)
    emergency_personnel = models.CharField(max_length=200, blank=True)
    emergency_affiliation = models.CharField(max_length=200, blank=True)
    emergency_nature = models.CharField(max_length=500, blank=True)
    # Another disclosure the rule allows without consent (for now the state's treatment
    # episode report, an evaluation by a government agency under 42 CFR 2.53): the rule, in
    # the words the accounting shows. Empty for a disclosure under consent or an emergency.
    legal_basis = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-made_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "made_at"], name="disclosure_patient_time"),
            models.Index(fields=["organization", "made_at"], name="disclosure_org_time"),
        ]
        constraints = [
            models.CheckConstraint(
                # Without consent only in an emergency (42 CFR 2.51) or for the state's
                # report under 42 CFR 2.53, which names its rule: no other channel may leave
                # without a consent, whatever its legal basis says.
                condition=models.Q(consent__isnull=False)
                | models.Q(emergency=True)
                | (models.Q(channel="state_report") & ~models.Q(legal_basis="")),
                name="disclosure_consent_or_emergency",
            ),
        ]

    def __str__(self) -> str:
        return f"disclosure {self.pk} of patient {self.patient_id}"


class BreachOutcome(models.TextChoices):
    UNDECIDED = "undecided", "Not yet assessed"
    LOW_PROBABILITY = "low", "Low probability that the information was compromised"
    BREACH = "breach", "Breach: notifications required"


class Breach(models.Model):
    """A suspected breach of unsecured records, its four-factor risk assessment and the
    notifications made (45 CFR 164.402, 164.404-408; applied to Part 2 records by
    42 CFR 2.16(b))."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="+"
    )
    discovered_on = models.DateField()
    occurred_on = models.DateField(null=True, blank=True)
    summary = models.CharField(max_length=300)
    information_involved = models.TextField(blank=True)
    people_affected = models.PositiveIntegerField(null=True, blank=True)
    largest_state_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="People affected who live in the most affected state."
    )
    # 45 CFR 164.402(2)(i)-(iv)
    factor_nature = models.TextField("nature and extent of the information", blank=True)
    factor_recipient = models.TextField("who used it or received it", blank=True)
    factor_acquired = models.TextField("whether it was actually acquired or viewed", blank=True)
    factor_mitigation = models.TextField("how far the risk has been mitigated", blank=True)
    outcome = models.CharField(
        max_length=10, choices=BreachOutcome.choices, default=BreachOutcome.UNDECIDED
    )
    individuals_notified_on = models.DateField(null=True, blank=True)
    hhs_notified_on = models.DateField(null=True, blank=True)
    media_notified_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-discovered_on", "-id"]

    def __str__(self) -> str:
        return f"breach {self.pk} discovered {self.discovered_on}"
