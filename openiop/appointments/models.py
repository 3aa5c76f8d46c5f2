"""Appointments beside the groups: individual counselling, family therapy, medication
management, psychiatric evaluation and case management, with each patient's primary counselor.

SAMHSA TIP 47 (Substance Abuse: Clinical Issues in Intensive Outpatient Treatment, ch. 1,
https://www.ncbi.nlm.nih.gov/books/NBK64088/) lists individual counselling, group therapy,
family psychoeducation and case management as core IOP services. Which of them a program
offers, how long they last, how often they are due and whether their minutes count toward the
program's daily and weekly hours are program policy (set per program and track on the setup
page), because payers differ on what counts toward an IOP day.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from openiop.organization.models import WeeklyWindow


class AppointmentKind(models.TextChoices):
    INDIVIDUAL = "individual", "Individual counselling"
    FAMILY = "family", "Family therapy"
    MEDICATION = "medication", "Medication management"
    PSYCHIATRIC_EVALUATION = "psychiatric_evaluation", "Psychiatric evaluation"
    CASE_MANAGEMENT = "case_management", "Case management"


class Credential(models.TextChoices):
    COUNSELOR = "counselor", "A counselor or clinical director"
    PRESCRIBER = "prescriber", "A prescriber (MD, DO, NP, PA)"


class AppointmentType(models.Model):
    """What a program (or one of its tracks) offers beside groups, and its policy."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="appointment_types"
    )
    program = models.ForeignKey(
        "organization.Program", on_delete=models.PROTECT, related_name="appointment_types"
    )
    track = models.ForeignKey(
        "organization.Track",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointment_types",
        help_text="Only for this track; empty: every track of the program.",
    )
    kind = models.CharField(max_length=24, choices=AppointmentKind.choices)
    minutes = models.PositiveSmallIntegerField(default=60)
    credential = models.CharField(
        max_length=16, choices=Credential.choices, default=Credential.COUNSELOR
    )
    every_weeks = models.PositiveSmallIntegerField(
        default=1,
        help_text="Due every this many weeks (1 weekly, 2 every other week); 0: only when booked.",
    )
    counts_toward_hours = models.BooleanField(
        default=False,
        help_text="Attended minutes count toward the patient's IOP day and week (program policy).",
    )
    payer_rule = models.CharField(
        max_length=300,
        blank=True,
        help_text="The payer rule this policy follows, in your words (for example a state "
        "Medicaid manual's section).",
    )
    video_allowed = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["program_id", "track_id", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=15) & models.Q(minutes__lte=240),
                name="appointment_type_minutes",
            ),
            models.CheckConstraint(
                condition=models.Q(every_weeks__lte=12), name="appointment_type_every_weeks"
            ),
            models.UniqueConstraint(
                fields=["program", "track", "kind"], name="appointment_type_unique"
            ),
            models.UniqueConstraint(
                fields=["program", "kind"],
                condition=models.Q(track__isnull=True),
                name="appointment_type_unique_program",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class PrimaryCounselor(models.Model):
    """Who is a patient's primary counselor, and since when. A change ends the current row
    and adds one (the history stays)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="primary_counselors"
    )
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="primary_of"
    )
    assigned_at = models.DateTimeField()
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(max_length=200, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(ended_at__isnull=True),
                name="one_current_primary_counselor",
            ),
        ]
        indexes = [models.Index(fields=["counselor", "ended_at"])]

    def __str__(self) -> str:
        return f"primary counselor of patient {self.patient_id}"


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


class AppointmentSource(models.TextChoices):
    SOLVER = "solver", "Placed by the weekly schedule"
    STAFF = "staff", "Booked by staff"


class Attendance(models.TextChoices):
    NONE = "", "Not recorded"
    PRESENT = "present", "Attended"
    LATE = "late", "Late"
    LEFT_EARLY = "left_early", "Left early"
    ABSENT = "absent", "No-show"
    EXCUSED = "excused", "Excused"


class Modality(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video"


class Appointment(models.Model):
    """One appointment of one patient with one staff member (times aware UTC, shown in the
    site's zone). Attendance is recorded on the row; the note is a delivery note."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="appointments"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=AppointmentKind.choices)
    site = models.ForeignKey(
        "organization.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    telehealth = models.BooleanField(default=False)
    video_key = models.CharField(max_length=32, blank=True)
    family_attendees = models.CharField(
        max_length=300,
        blank=True,
        help_text="Family members taking part (named on the patient's consent).",
    )
    week_start = models.DateField(help_text="Monday of the local week.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.SCHEDULED
    )
    source = models.CharField(max_length=8, choices=AppointmentSource.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    cancel_reason = models.CharField(max_length=200, blank=True)
    attendance = models.CharField(
        max_length=12, choices=Attendance.choices, default=Attendance.NONE, blank=True
    )
    modality = models.CharField(max_length=10, choices=Modality.choices, blank=True)
    patient_state = models.CharField(
        max_length=2,
        blank=True,
        help_text="Where the patient was during a video visit (state code, for licensure).",
    )
    check_in_at = models.DateTimeField(null=True, blank=True)
    check_out_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.OneToOneField(
        "delivery.Note",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointment",
    )

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["organization", "starts_at"]),
            models.Index(fields=["staff", "starts_at"]),
            models.Index(fields=["patient", "starts_at"]),
            models.Index(fields=["organization", "week_start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="appointment_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class AppointmentShortfall(models.Model):
    """A due appointment the weekly placement could not place, with the reason."""

    organization = models.ForeignKey("organization.Organization", on_delete=models.CASCADE)
    week_start = models.DateField()
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=AppointmentKind.choices)
    code = models.CharField(max_length=20)
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["patient_id", "kind"]
        indexes = [models.Index(fields=["organization", "week_start"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} not placed in week {self.week_start}"


class AppointmentRun(models.Model):
    """The last placement of a week (when, what came out), shown on the appointments page."""

    organization = models.ForeignKey("organization.Organization", on_delete=models.CASCADE)
    week_start = models.DateField()
    ran_at = models.DateTimeField()
    stats = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "week_start"], name="appointment_run_unique"
            )
        ]

    def __str__(self) -> str:
        return f"appointment placement of week {self.week_start}"


class TelehealthConsent(models.Model):
    """The patient's consent to be seen by video, as recorded by staff."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="telehealth_consents"
    )
    method = models.CharField(
        max_length=12,
        choices=[
            ("written", "Signed form"),
            ("verbal", "Verbal, documented"),
            ("portal", "In the portal"),
        ],
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"telehealth consent of patient {self.patient_id}"


class VideoService(models.Model):
    """The program's video service: a link template (no video is built into OpenIOP)."""

    organization = models.OneToOneField(
        "organization.Organization", on_delete=models.CASCADE, related_name="video_service"
    )
    name = models.CharField(max_length=80, default="Video visit")
    url_template = models.CharField(
        max_length=300,
        help_text="The meeting link with {key} where the visit's random key goes, for example "
        "https://meet.example.org/openiop-{key}.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name

    def link(self, key: str) -> str:
        return self.url_template.replace("{key}", key)


class FamilyAvailability(WeeklyWindow):
    """When the patient's family can come to a family session (site-local time)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="family_availability"
    )

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="family_avail_order"
            ),
        ]
