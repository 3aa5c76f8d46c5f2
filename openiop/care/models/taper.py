"""Tapering: per-program settings, each enrolment's phase, and the stored
recommendations a clinician approves or declines.

The decision itself is ``openiop.domain.tapering.recommend_taper``; ``care.taper.inputs``
gathers its inputs from the database. A recommendation stores the decision, the target, every
reason the engine gave and the inputs it read (with those that were unknown named as such), so
the evidence for a decision stays as it was when it was made.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from openiop.domain.tapering import (
    ATTENDANCE_WEEKS,
    ATTENDANCE_WEEKS_BOUNDS,
    LOOKBACK_WEEKS,
    LOOKBACK_WEEKS_BOUNDS,
)


class TaperSettings(models.Model):
    """A program's taper phases and main thresholds; absent means the domain defaults
    (``TaperPolicy()``). ``phases`` is a list of {id, label, kind, hours_per_week,
    days_per_week, min_weeks, max_weeks}, checked by building a ``TaperPolicy``.

    ``lookback_weeks`` (26, 4-104: drug screens and relapse events read) and
    ``attendance_window_weeks`` (4, 1-26: complete weeks of attendance read) are the windows
    of ``openiop.domain.tapering.window``; program policy, no published source."""

    program = models.OneToOneField(
        "organization.Program", on_delete=models.PROTECT, related_name="taper_settings"
    )
    phases = models.JSONField()
    min_weeks_without_use = models.PositiveSmallIntegerField(default=4)
    screen_window_weeks = models.PositiveSmallIntegerField(default=4)
    relapse_window_weeks = models.PositiveSmallIntegerField(default=4)
    min_objectives_met = models.PositiveSmallIntegerField(default=1)
    min_peer_meetings_per_week = models.DecimalField(max_digits=3, decimal_places=1, default=1)
    min_sober_supports = models.PositiveSmallIntegerField(default=2)
    min_attendance_for_step_down = models.DecimalField(max_digits=3, decimal_places=2, default=0.8)
    require_measures = models.BooleanField(default=True)
    lookback_weeks = models.PositiveSmallIntegerField(
        default=LOOKBACK_WEEKS, help_text="Weeks of drug screens and relapse events read (4-104)."
    )
    attendance_window_weeks = models.PositiveSmallIntegerField(
        default=ATTENDANCE_WEEKS, help_text="Complete weeks of attendance read (1-26)."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    lookback_weeks__gte=LOOKBACK_WEEKS_BOUNDS[0],
                    lookback_weeks__lte=LOOKBACK_WEEKS_BOUNDS[1],
                ),
                name="taper_settings_lookback_weeks",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    attendance_window_weeks__gte=ATTENDANCE_WEEKS_BOUNDS[0],
                    attendance_window_weeks__lte=ATTENDANCE_WEEKS_BOUNDS[1],
                ),
                name="taper_settings_attendance_window_weeks",
            ),
        ]

    def __str__(self) -> str:
        return f"Taper settings of program {self.program_id}"


class EnrollmentPhase(models.Model):
    """The taper phase an enrolment is in, and since when (set by an approved decision)."""

    enrollment = models.OneToOneField(
        "patients.Enrollment", on_delete=models.PROTECT, related_name="taper_phase"
    )
    phase_id = models.CharField(max_length=40)
    started_on = models.DateField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.phase_id} since {self.started_on}"


class RecommendationStatus(models.TextChoices):
    PENDING = "pending", "Awaiting a clinician"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    SUPERSEDED = "superseded", "Superseded by a newer recommendation"


class TaperDecision(models.TextChoices):
    STEP_DOWN = "step_down", "Step down"
    HOLD = "hold", "Hold"
    STEP_UP = "step_up", "Step up"


class TaperRecommendation(models.Model):
    enrollment = models.ForeignKey(
        "patients.Enrollment", on_delete=models.PROTECT, related_name="taper_recommendations"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="taper_recommendations"
    )
    status = models.CharField(
        max_length=12, choices=RecommendationStatus.choices, default=RecommendationStatus.PENDING
    )
    decision = models.CharField(max_length=10, choices=TaperDecision.choices)
    current_phase = models.CharField(max_length=40)
    current_hours = models.DecimalField(max_digits=4, decimal_places=1)
    target_phase = models.CharField(max_length=40)
    target_phase_label = models.CharField(max_length=100)
    target_level = models.CharField(max_length=8)
    weekly_hours = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    days_per_week = models.PositiveSmallIntegerField(null=True, blank=True)
    crisis_evaluation = models.BooleanField(default=False)
    withdrawal_management_first = models.BooleanField(default=False)
    reasons = models.JSONField(
        help_text="The engine's reasons: input, stance, rule, facts, text, source."
    )
    inputs = models.JSONField(help_text="What was read, and which inputs were unknown.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=models.Q(status="pending"),
                name="taper_one_pending_per_enrollment",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="declined") | ~models.Q(decline_reason=""),
                name="taper_decline_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} to {self.target_phase} ({self.status})"

    @property
    def outside_iop(self) -> bool:
        """The target is not an IOP phase (2.5, residential or continuing care): approving it
        records the decision; the move itself is a discharge or transfer."""
        return self.target_level != "2.1"


class MeasureSchedule(models.Model):
    """A repeated instrument for a track, every N weeks. A track without rows uses the
    defaults of ``openiop.domain.measures.schedule`` for its kind."""

    track = models.ForeignKey(
        "organization.Track", on_delete=models.PROTECT, related_name="measure_schedules"
    )
    instrument = models.CharField(max_length=20)
    every_weeks = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["track", "instrument"]
        constraints = [
            models.UniqueConstraint(fields=["track", "instrument"], name="measure_schedule_unique"),
            models.CheckConstraint(
                condition=models.Q(every_weeks__gte=1, every_weeks__lte=26),
                name="measure_schedule_interval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} every {self.every_weeks} weeks"


class ReliabilitySetting(models.Model):
    """An organization's SD and reliability for an instrument's reliable change, replacing
    the cited defaults of ``openiop.domain.measures.reliable_change``."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="+"
    )
    instrument = models.CharField(max_length=20)
    sd = models.DecimalField("standard deviation", max_digits=5, decimal_places=2)
    reliability = models.DecimalField(max_digits=4, decimal_places=3)
    source = models.CharField(max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "instrument"], name="reliability_setting_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument}: SD {self.sd}, r {self.reliability}"
