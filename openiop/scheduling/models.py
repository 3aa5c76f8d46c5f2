"""The weekly schedule as the clinic runs it: a week's problem and solution, and the group
sessions with their patients once published.

`ScheduleWeek` holds one week of one organization: the iop-week/1 problem built from
enrolments and availability, the solver's solution, its progress and status. Publishing a
week creates `GroupSession` rows (one track meeting in one block, one counselor, one room)
and a `SessionAssignment` per patient. Published weeks are never changed by a later solve;
a mid-week re-solve creates a new revision of the remaining days, which takes over the sessions of
the groups it keeps (same rows, so the same check-in codes) and cancels the others.

Also here: `PatientSchedulePreference` (telehealth) and `CalendarToken` (private iCalendar feed
links, stored hashed). See docs/scheduling-app.md. The background solve runs on the task queue
(openiop/scheduling/tasks.py); its progress and sign of life are fields of `ScheduleWeek`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class WeekStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    QUEUED = "queued", "Queued for the solver"
    SOLVING = "solving", "Solving"
    SOLVED = "solved", "Solved (review)"
    FAILED = "failed", "Failed"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded by a later revision"


class ScheduleWeek(models.Model):
    """One revision of one organization's schedule for the week starting `week_start` (a Monday)."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="schedule_weeks"
    )
    week_start = models.DateField()
    revision = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=16, choices=WeekStatus.choices, default=WeekStatus.DRAFT)
    problem = models.JSONField(default=dict, help_text="iop-week/1 problem")
    solution = models.JSONField(default=dict, blank=True, help_text="iop-week-solution/1")
    progress = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Added for the app layer; additive only.
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        help_text="The published revision this one re-solves (mid-week re-solve).",
    )
    starts_on = models.DateField(
        null=True, blank=True, help_text="First day this revision covers; empty: the whole week."
    )
    notes = models.JSONField(
        default=list,
        blank=True,
        help_text="What building the problem left out or assumed: [{kind, ref, text}], ids only.",
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the solve (stale ones are requeued)."
    )
    edits = models.PositiveIntegerField(default=0, help_text="Hand edits since the solve.")

    class Meta:
        ordering = ["-week_start", "-revision"]
        indexes = [models.Index(fields=["status", "queued_at"], name="schedule_week_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "week_start", "revision"],
                name="schedule_week_revision_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"Week of {self.week_start} r{self.revision} ({self.get_status_display()})"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


class GroupSession(models.Model):
    """A published group: one track, one block, one counselor, one room (times are aware UTC,
    shown in the site's time zone; virtual rooms have no site)."""

    week = models.ForeignKey(ScheduleWeek, on_delete=models.PROTECT, related_name="sessions")
    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="group_sessions"
    )
    site = models.ForeignKey(
        "organization.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="group_sessions",
    )
    track = models.ForeignKey(
        "organization.Track", on_delete=models.PROTECT, related_name="group_sessions"
    )
    room = models.ForeignKey(
        "organization.Room", on_delete=models.PROTECT, related_name="group_sessions"
    )
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="group_sessions"
    )
    block_id = models.CharField(max_length=40, help_text="Block id of the iop-week problem.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    topic = models.CharField(max_length=80, blank=True, help_text="Curriculum topic.")
    status = models.CharField(
        max_length=16, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["organization", "starts_at"]),
            models.Index(fields=["counselor", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.track} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class SessionAssignment(models.Model):
    """A patient scheduled into a group session."""

    session = models.ForeignKey(GroupSession, on_delete=models.CASCADE, related_name="assignments")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="session_assignments"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "patient"], name="assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"patient {self.patient_id} in session {self.session_id}"


class PatientSchedulePreference(models.Model):
    """Scheduling facts about a patient that the weekly problem needs beyond enrolments:
    whether they may join telehealth (virtual room) groups (iop-week/1 `telehealth_ok`)."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, related_name="schedule_preference"
    )
    telehealth_ok = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"schedule preference of patient {self.patient_id}"


class CalendarToken(models.Model):
    """A private, revocable iCalendar feed address of one patient or one staff user.

    Only the SHA-256 of the random token is stored: the address is shown once when it is
    created, and a copy of the database cannot be turned into working feed addresses.
    """

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="calendar_tokens"
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_tokens",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_tokens",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(patient__isnull=False, user__isnull=True))
                | models.Q(patient__isnull=True, user__isnull=False),
                name="calendar_token_one_owner",
            ),
        ]

    def __str__(self) -> str:
        owner = f"patient {self.patient_id}" if self.patient_id else f"user {self.user_id}"
        return f"calendar link of {owner}{' (revoked)' if self.revoked_at else ''}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
