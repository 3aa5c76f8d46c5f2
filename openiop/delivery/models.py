"""Session delivery: who came to each group and for how long, the notes written about it,
leaves, step-down allowances and proof-of-attendance disclosures.

Everything here is protected health information and a 42 CFR Part 2 record: reads go
through `core.access` (and `delivery.access` for sessions), writes through `services.py`,
each with its audit event in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AttendanceStatus(models.TextChoices):
    """The six attendance statuses (mirrors openiop.domain.compliance)."""

    PRESENT = "present", "Present"
    LATE = "late", "Late"
    LEFT_EARLY = "left_early", "Left early"
    ABSENT_EXCUSED = "absent_excused", "Absent (excused)"
    ABSENT_UNEXCUSED = "absent_unexcused", "Absent (unexcused)"
    TELEHEALTH = "telehealth", "Telehealth"


ABSENT_STATUSES = frozenset({AttendanceStatus.ABSENT_EXCUSED, AttendanceStatus.ABSENT_UNEXCUSED})
ATTENDED_STATUSES = frozenset(
    {
        AttendanceStatus.PRESENT,
        AttendanceStatus.LATE,
        AttendanceStatus.LEFT_EARLY,
        AttendanceStatus.TELEHEALTH,
    }
)


class DropIn(models.Model):
    """A patient added to one session's roster who was not scheduled into it: actively
    enrolled in the session's track, added with a reason (or by self check-in)."""

    session = models.ForeignKey(
        "scheduling.GroupSession", on_delete=models.PROTECT, related_name="drop_ins"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="session_drop_ins"
    )
    reason = models.CharField(max_length=200)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the patient added themselves with the session code.",
    )
    added_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "patient"], name="dropin_unique"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="dropin_reason"),
        ]

    def __str__(self) -> str:
        return f"drop-in of patient {self.patient_id} at session {self.session_id}"


class AttendanceRecord(models.Model):
    """One patient at one session: status and the check-in / check-out instants (UTC).

    Minutes are not stored: they are computed from the times by the compliance domain,
    clipped to the session's window.
    """

    session = models.ForeignKey(
        "scheduling.GroupSession", on_delete=models.PROTECT, related_name="attendance_records"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="attendance_records"
    )
    status = models.CharField(max_length=20, choices=AttendanceStatus.choices)
    check_in_at = models.DateTimeField(null=True, blank=True)
    check_out_at = models.DateTimeField(null=True, blank=True)
    self_checked_in = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Last staff member who changed it; empty for a patient's own check-in.",
    )
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "patient"], name="attendance_unique"),
            models.CheckConstraint(
                condition=~models.Q(status__in=["absent_excused", "absent_unexcused"])
                | models.Q(check_in_at__isnull=True, check_out_at__isnull=True),
                name="attendance_absence_no_times",
            ),
            models.CheckConstraint(
                condition=models.Q(check_in_at__isnull=True)
                | models.Q(check_out_at__isnull=True)
                | models.Q(check_out_at__gte=models.F("check_in_at")),
                name="attendance_times_order",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=[
                        "present",
                        "late",
                        "left_early",
                        "absent_excused",
                        "absent_unexcused",
                        "telehealth",
                    ]
                ),
                name="attendance_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["patient", "session"])]

    def __str__(self) -> str:
        return f"patient {self.patient_id} {self.status} at session {self.session_id}"


class NoteKind(models.TextChoices):
    GROUP = "group", "Group note"
    INDIVIDUAL = "individual", "Individual counselling note"


class NoteFormat(models.TextChoices):
    GROUP = "group", "Group (topic, interventions, summary)"
    DAP = "dap", "DAP (data, assessment, plan)"
    BIRP = "birp", "BIRP (behaviour, intervention, response, plan)"
    SOAP = "soap", "SOAP (subjective, objective, assessment, plan)"
    MEDICATION = "med", "Medication management (medications, changes, plan)"


class NoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_COSIGNATURE = "awaiting_cosign", "Signed, awaiting co-signature"
    SIGNED = "signed", "Signed"


class Note(models.Model):
    """A clinical note. A group note (one per session) holds the group part in `content`
    and one `NoteSection` per attendee; an individual note concerns one patient.

    Signing stores the signer, the time and the SHA-256 of the canonical signed content
    (`signing.note_digest`); from then on the note is locked: services refuse changes and
    a database trigger refuses updates of the signed fields and of its sections.
    Corrections are `NoteAmendment`s appended with a reason.
    """

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="notes"
    )
    kind = models.CharField(max_length=12, choices=NoteKind.choices)
    format = models.CharField(max_length=8, choices=NoteFormat.choices)
    session = models.ForeignKey(
        "scheduling.GroupSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notes",
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="individual_notes",
        help_text="The patient of an individual note (empty for group notes).",
    )
    service_date = models.DateField()
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    content = models.JSONField(default=dict)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_notes"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=NoteStatus.choices, default=NoteStatus.DRAFT, db_index=True
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signed_notes",
    )
    signed_hash = models.CharField(max_length=64, blank=True)
    cosign_required = models.BooleanField(default=False)
    cosigned_at = models.DateTimeField(null=True, blank=True)
    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cosigned_notes",
    )
    cosign_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-service_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session"], condition=models.Q(kind="group"), name="note_one_group_note"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="group", session__isnull=False, patient__isnull=True)
                    | models.Q(kind="individual", patient__isnull=False)
                ),
                name="note_kind_shape",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="group", format="group")
                | models.Q(kind="individual", format__in=["dap", "birp", "soap", "med"]),
                name="note_kind_format",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", signed_at__isnull=True)
                | (
                    ~models.Q(status="draft")
                    & models.Q(signed_at__isnull=False, signed_by__isnull=False)
                    & ~models.Q(signed_hash="")
                ),
                name="note_signature_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["author", "status"]),
            models.Index(fields=["patient", "service_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} of {self.service_date}"

    @property
    def locked(self) -> bool:
        return self.signed_at is not None


class NoteSection(models.Model):
    """One attendee's part of a group note: participation, response, progress on their
    plan's goals. Shown only to staff who may see that patient, and in that patient's chart."""

    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="sections")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="note_sections"
    )
    content = models.JSONField(default=dict)

    class Meta:
        ordering = ["note", "patient"]
        constraints = [
            models.UniqueConstraint(fields=["note", "patient"], name="section_one_per_patient"),
        ]

    def __str__(self) -> str:
        return f"section of patient {self.patient_id} in note {self.note_id}"


class NoteAmendment(models.Model):
    """A correction appended to a signed note with a reason; the original stays as signed.
    `section_patient` set: it amends that patient's section (shown only with it)."""

    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="amendments")
    section_patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=300)
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()
    signed_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="amendment_reason"),
            models.CheckConstraint(condition=~models.Q(text=""), name="amendment_text"),
        ]

    def __str__(self) -> str:
        return f"amendment {self.pk} of note {self.note_id}"


class LeaveOfAbsence(models.Model):
    """A leave over local days `starts_on`..`ends_on` (both included). It lowers or suspends
    the week's hours requirement (openiop.domain.compliance, requirement.py)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="leaves_of_absence"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="leave_dates_order"
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="leave_reason"),
        ]
        indexes = [models.Index(fields=["patient", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        return f"leave of patient {self.patient_id} {self.starts_on}..{self.ends_on}"


class StepDownAllowance(models.Model):
    """Fewer hours while tapering, for one or two weeks from the week holding `starts_on`
    (fewer hours "for one or two weeks": ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="step_down_allowances"
    )
    starts_on = models.DateField()
    weekly_hours = models.DecimalField(max_digits=4, decimal_places=1)
    weeks = models.PositiveSmallIntegerField(default=2)
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weeks__gte=1, weeks__lte=2), name="stepdown_one_or_two_weeks"
            ),
            models.CheckConstraint(
                condition=models.Q(weekly_hours__gte=0), name="stepdown_hours_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"step-down of patient {self.patient_id} from {self.starts_on}"


class Disclosure(models.Model):
    """A proof-of-attendance letter given out with the patient's consent (42 CFR 2.31):
    to whom, why, what it states, who consented, when and by whom; `digest` is the SHA-256
    of the PDF bytes handed out."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="disclosures"
    )
    recipient = models.CharField(max_length=200)
    purpose = models.CharField(max_length=200)
    what = models.JSONField(default=list, help_text="Items the letter states.")
    period_start = models.DateField()
    period_end = models.DateField()
    statement = models.CharField(
        max_length=300, blank=True, help_text="Diagnosis wording the patient agreed to disclose."
    )
    consent_given_by = models.CharField(max_length=200)
    consent_on = models.DateField()
    # The recorded consent the letter was made under and the disclosure the one gate logged
    # (`openiop.privacy.gate`); empty only on letters made before consents were recorded.
    consent = models.ForeignKey(
        "privacy.Consent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    part2_disclosure = models.OneToOneField(
        "privacy.Disclosure",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="letter",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="disclosure_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"disclosure {self.pk} of patient {self.patient_id}"


class CheckInAttempt(models.Model):
    """One public check-in attempt, kept to rate-limit by address across processes.
    `client` is an HMAC of the IP address, not the address itself."""

    client = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(db_index=True)
    succeeded = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"check-in attempt at {self.at:%Y-%m-%d %H:%M}"


class PerDiemBasis(models.TextChoices):
    """What makes a day a per-diem day (openiop.domain.compliance `PerDiemBasis`)."""

    DAY = "day", "Per day: a day with the daily minimum attended (HCPCS H0015/S9480)"
    DAY_AND_WEEK = "day_and_week", "Per day, and only in a week that reaches the weekly minimum"


class BillingRule(models.Model):
    """A program's per-diem billing rule when its payer's rule overrides the default.

    Without a row, a program bills under the HCPCS H0015/S9480 per-day rule (a day with at
    least 3 hours attended). With one, the payer's rule applies to the patients enrolled in the
    program, and `source` (where the payer wrote it) is shown wherever the rule is applied.
    """

    program = models.OneToOneField(
        "organization.Program", on_delete=models.PROTECT, related_name="billing_rule"
    )
    payer = models.CharField(max_length=120)
    basis = models.CharField(max_length=16, choices=PerDiemBasis.choices)
    day_hours = models.DecimalField(max_digits=3, decimal_places=1, default=3)
    week_hours = models.DecimalField(max_digits=3, decimal_places=1, default=9)
    min_days = models.PositiveSmallIntegerField(default=3)
    source = models.CharField(max_length=300)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(day_hours__gt=0)
                & models.Q(week_hours__gt=0)
                & models.Q(min_days__lte=7),
                name="billing_rule_bounds",
            )
        ]

    def __str__(self) -> str:
        return f"Billing rule of program {self.program_id}: {self.payer}"
