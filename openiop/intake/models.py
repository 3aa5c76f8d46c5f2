"""Intake: referrals and the admissions pipeline, screenings and safety tasks,
level-of-care decisions with per-program policy, admissions and weekly availability.

A referral is a request for care about a person who may not be a patient yet; its details
are protected health information from the moment they arrive. Every move between stages is
recorded in `ReferralEvent` (who, when, why) as well as in the audit trail. Every row here is
PHI (and, in a substance-use program, a 42 CFR Part 2 record): reads go through
`core.access`, writes through `intake.services`, both audited.
"""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models

from openiop.intake import state_reporting_choices as sc


class ReferralSource(models.TextChoices):
    PHYSICIAN = "physician", "Physician"
    RESIDENTIAL = "residential", "Residential program"
    HOSPITAL = "hospital", "Hospital"
    DETOX = "detox", "Detox / withdrawal management"
    SELF = "self", "Self"
    FAMILY = "family", "Family member"
    COURT_EMPLOYER = "court_employer", "Court or employer"
    OTHER = "other", "Other"


class ReferralStage(models.TextChoices):
    INQUIRY = "inquiry", "Inquiry"
    SCREENING = "screening", "Screening"
    ASSESSMENT = "assessment", "Assessment"
    ADMITTED = "admitted", "Admitted"
    REFERRED_ELSEWHERE = "referred_elsewhere", "Referred elsewhere"
    DECLINED = "declined", "Declined"
    WAITLISTED = "waitlisted", "Waitlisted"


OPEN_STAGES = (
    ReferralStage.INQUIRY,
    ReferralStage.SCREENING,
    ReferralStage.ASSESSMENT,
    ReferralStage.WAITLISTED,
)


class Referral(models.Model):
    """A request for care arriving from a referrer, a family member or the person."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="referrals"
    )
    program = models.ForeignKey(
        "organization.Program",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        help_text="Set once the person is registered.",
    )
    source = models.CharField(max_length=20, choices=ReferralSource.choices)
    stage = models.CharField(
        max_length=20, choices=ReferralStage.choices, default=ReferralStage.INQUIRY
    )
    stage_changed_at = models.DateTimeField()
    # The person referred
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    preferred_language = models.CharField(max_length=40, blank=True)
    # Who referred
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_organization = models.CharField(max_length=200, blank=True)
    referrer_phone = models.CharField(max_length=30, blank=True)
    referrer_email = models.EmailField(blank=True)
    reason = models.TextField(blank=True, help_text="Why care is sought, in the referrer's words.")
    consent_text = models.TextField(
        blank=True, help_text="The consent statement the submitter agreed to, verbatim."
    )
    submitted_publicly = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "stage"])]

    def __str__(self) -> str:
        return f"Referral {self.pk} ({self.get_stage_display()})"


class ReferralEvent(models.Model):
    """One move of a referral between stages: who, when and why (append-only)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_stage = models.CharField(max_length=20, choices=ReferralStage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=ReferralStage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_stage or 'new'} -> {self.to_stage}"


class ScreeningResponse(models.Model):
    """One completed screening instrument for a patient.

    `response` is the QuestionnaireResponse-like record of `openiop.domain.screening`
    (instrument id and definition version in `questionnaire`, one item per question asked),
    so a later FHIR export loses nothing. Total, band, subscores and flags are the domain's
    score at the time, kept for lists and reports; the answers remain the source of truth.
    `thresholds` holds the program thresholds the score used (PCL-5 cut-off, CIWA-Ar flag).
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="screenings"
    )
    instrument = models.CharField(max_length=20)
    instrument_version = models.CharField(max_length=20)
    response = models.JSONField()
    total = models.IntegerField(null=True, blank=True)
    band = models.CharField(max_length=40, blank=True)
    subscores = models.JSONField(default=dict, blank=True)
    flags = models.JSONField(default=list, blank=True)
    thresholds = models.JSONField(default=dict, blank=True)
    administered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    administered_at = models.DateTimeField()

    class Meta:
        ordering = ["-administered_at", "-id"]
        indexes = [models.Index(fields=["patient", "instrument", "administered_at"])]

    def __str__(self) -> str:
        return f"{self.instrument} for patient {self.patient_id}"


class SafetyTaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class SafetyTask(models.Model):
    """An urgent task for a clinician raised by an urgent screening flag (PHQ-9 item 9 > 0,
    C-SSRS high risk). Listed for the patient's site until a clinician completes it."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="safety_tasks"
    )
    site = models.ForeignKey("organization.Site", on_delete=models.PROTECT, related_name="+")
    screening = models.ForeignKey(
        ScreeningResponse,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="safety_tasks",
    )
    flags = models.JSONField(default=list)
    urgent = models.BooleanField(default=True)
    status = models.CharField(
        max_length=8, choices=SafetyTaskStatus.choices, default=SafetyTaskStatus.OPEN
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="safety_tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completion_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-urgent", "created_at", "id"]
        indexes = [models.Index(fields=["site", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", completed_at__isnull=True)
                | models.Q(status="done", completed_at__isnull=False),
                name="safety_task_completion_consistent",
            )
        ]

    def __str__(self) -> str:
        return f"Safety task {self.pk} ({self.status})"


class PlacementDecisionKind(models.TextChoices):
    ACCEPTED = "accepted", "Accepted the recommendation"
    OVERRIDDEN = "overridden", "Overrode the recommendation"


class PlacementDecision(models.Model):
    """A level-of-care assessment, the engine's recommendation and the clinician's decision.

    Inputs are stored as given (`dimensions`, `criteria`, `screening`) with the resolved
    `policy`, so the recommendation can be explained and reproduced later; `reasons` are the
    engine's reasons (rule, effect, facts, text, source, level) at the time.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="placement_decisions"
    )
    program = models.ForeignKey(
        "organization.Program", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dimensions = models.JSONField()
    criteria = models.JSONField()
    screening = models.JSONField()
    policy = models.JSONField(default=dict)
    recommended_level = models.CharField(max_length=8)
    withdrawal_management_first = models.BooleanField(default=False)
    crisis_evaluation = models.BooleanField(default=False)
    recommended_tracks = models.JSONField(default=list)
    reasons = models.JSONField(default=list)
    decision = models.CharField(max_length=12, choices=PlacementDecisionKind.choices)
    final_level = models.CharField(max_length=8)
    override_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision="accepted") | ~models.Q(override_reason=""),
                name="placement_override_needs_reason",
            )
        ]

    def __str__(self) -> str:
        return f"Placement {self.final_level} for patient {self.patient_id}"


class PlacementPolicySetting(models.Model):
    """A program's overrides of the clinical-policy thresholds.

    `placement` overrides fields of `openiop.domain.placement.PlacementPolicy` (scalars, the
    changed rows of the evidence table, and the whole dimension-to-level table when the
    program changed it); `screening` maps an instrument id to overrides of
    its configurable thresholds (`Instrument.settings`, e.g. {"pcl5": {"probable_ptsd_at": 31}}).
    Absent keys take the domain defaults. Validated by the domain when saved and when read.
    """

    program = models.OneToOneField(
        "organization.Program", on_delete=models.CASCADE, related_name="placement_policy"
    )
    placement = models.JSONField(default=dict, blank=True)
    screening = models.JSONField(default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Placement policy of program {self.program_id}"


class Admission(models.Model):
    """A patient admitted to one program and one or more of its tracks.

    The track enrolments themselves are `patients.Enrollment` rows (listed in
    `enrollments`); this record adds who admitted, from which referral, the primary
    counselor and why the required weekly hours differ from the track minimum, if they do.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="admissions"
    )
    program = models.ForeignKey("organization.Program", on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="admissions"
    )
    enrollments = models.ManyToManyField("patients.Enrollment", related_name="admissions")
    primary_counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="primary_admissions"
    )
    starts_on = models.DateField()
    hours_change_reason = models.TextField(blank=True)
    admitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    admitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-admitted_at", "-id"]

    def __str__(self) -> str:
        return f"Admission of patient {self.patient_id} to program {self.program_id}"


class Block(models.TextChoices):
    """The site's standard weekly blocks offered on the availability grid (site-local time)."""

    MORNING = "morning", "Morning 09:00-12:00"
    AFTERNOON = "afternoon", "Afternoon 13:00-16:00"
    EVENING = "evening", "Evening 18:00-21:00"


BLOCK_TIMES: dict[str, tuple[time, time]] = {
    Block.MORNING: (time(9), time(12)),
    Block.AFTERNOON: (time(13), time(16)),
    Block.EVENING: (time(18), time(21)),
}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class PatientAvailability(models.Model):
    """A weekly window (site-local time) free of work, school and family duties.

    The scheduler's input (with the active enrolments): one row per free block, weekday
    0 = Monday ... 6 = Sunday, `start`/`end` as on the grid (09:00-12:00, 13:00-16:00,
    18:00-21:00). No row for a weekday means the patient is not available that day.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="availability"
    )
    weekday = models.PositiveSmallIntegerField()
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="patient_avail_order"
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__lte=6), name="patient_avail_weekday"
            ),
            models.UniqueConstraint(
                fields=["patient", "weekday", "start"], name="patient_avail_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start:%H:%M}-{self.end:%H:%M}"


class StateReportingDetails(models.Model):
    """What the state's treatment episode report asks about an admission that OpenIOP does not
    otherwise record (the SAMHSA TEDS minimum and supplemental data sets; the codes are in
    ``openiop.domain.teds``). Every answer is optional: an empty one shows as "not collected"
    and the extract's validation report names it."""

    admission = models.OneToOneField(
        Admission, on_delete=models.CASCADE, related_name="state_details"
    )
    first_contact_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the person first asked for treatment, if before the referral arrived.",
    )
    referral_source = models.CharField(
        max_length=20,
        blank=True,
        choices=ReferralSource.choices,
        help_text="Who referred, when the admission has no referral recorded.",
    )
    referral_detail = models.CharField(max_length=12, blank=True, choices=sc.ReferralDetail.choices)
    education_years = models.PositiveSmallIntegerField(null=True, blank=True)
    employment = models.CharField(max_length=20, blank=True, choices=sc.Employment.choices)
    not_in_labor_force = models.CharField(
        max_length=12, blank=True, choices=sc.NotInLaborForce.choices
    )
    living = models.CharField(max_length=12, blank=True, choices=sc.Living.choices)
    marital = models.CharField(max_length=16, blank=True, choices=sc.Marital.choices)
    race = models.CharField(max_length=20, blank=True, choices=sc.Race.choices)
    ethnicity = models.CharField(max_length=24, blank=True, choices=sc.Ethnicity.choices)
    veteran = models.CharField(max_length=3, blank=True, choices=sc.YesNo.choices)
    pregnant = models.CharField(max_length=3, blank=True, choices=sc.YesNo.choices)
    prior_episodes = models.PositiveSmallIntegerField(null=True, blank=True)
    substance_1 = models.CharField(max_length=20, blank=True, choices=sc.Substance.choices)
    route_1 = models.CharField(max_length=12, blank=True, choices=sc.Route.choices)
    frequency_1 = models.CharField(max_length=12, blank=True, choices=sc.UseFrequency.choices)
    first_use_age_1 = models.PositiveSmallIntegerField(null=True, blank=True)
    substance_2 = models.CharField(max_length=20, blank=True, choices=sc.Substance.choices)
    route_2 = models.CharField(max_length=12, blank=True, choices=sc.Route.choices)
    frequency_2 = models.CharField(max_length=12, blank=True, choices=sc.UseFrequency.choices)
    first_use_age_2 = models.PositiveSmallIntegerField(null=True, blank=True)
    substance_3 = models.CharField(max_length=20, blank=True, choices=sc.Substance.choices)
    route_3 = models.CharField(max_length=12, blank=True, choices=sc.Route.choices)
    frequency_3 = models.CharField(max_length=12, blank=True, choices=sc.UseFrequency.choices)
    first_use_age_3 = models.PositiveSmallIntegerField(null=True, blank=True)
    opioid_medication = models.CharField(max_length=3, blank=True, choices=sc.YesNo.choices)
    co_occurring = models.CharField(max_length=3, blank=True, choices=sc.YesNo.choices)
    income = models.CharField(max_length=20, blank=True, choices=sc.Income.choices)
    insurance = models.CharField(max_length=12, blank=True, choices=sc.Insurance.choices)
    payment = models.CharField(max_length=20, blank=True, choices=sc.Payment.choices)
    arrests_30d = models.PositiveSmallIntegerField(null=True, blank=True)
    self_help_30d = models.CharField(max_length=20, blank=True, choices=sc.SelfHelp.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"State reporting details of admission {self.admission_id}"
