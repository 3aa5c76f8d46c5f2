"""Relapse response: an event opens a supportive workflow.

Sources of an event: the patient's own report, a drug screen positive for a class that no
prescription explains (opened automatically by the result service), a report from family,
or another source. The workflow has four steps, each recorded with who and when: a safety
check, a plan revision (or a recorded reason why none is needed), a notice to the care team,
and a level-of-care review that asks the tapering engine for a recommendation (a step up when
the evidence warrants it). The event is closed once every step is done. A return to use is
part of recovery for many people: the wording and the defaults are supportive, not punitive.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RelapseSource(models.TextChoices):
    SELF_REPORT = "self_report", "The patient told us"
    POSITIVE_SCREEN = "positive_screen", "Drug screen (unexpected positive)"
    FAMILY_REPORT = "family_report", "Family member or support person"
    OTHER = "other", "Other"


class RelapseStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class SafetyFinding(models.TextChoices):
    NONE = "none", "No immediate safety concern"
    SUICIDAL_IDEATION = "suicidal_ideation", "Suicidal thoughts"
    SUICIDE_RISK_HIGH = "suicide_risk_high", "High suicide risk"
    OVERDOSE_RISK = "overdose_risk", "Overdose risk (lowered tolerance)"
    DANGEROUS_WITHDRAWAL = "dangerous_withdrawal", "Dangerous withdrawal"
    UNSAFE_ENVIRONMENT = "unsafe_environment", "Unsafe living environment"


class RelapseEvent(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="relapse_events"
    )
    enrollment = models.ForeignKey(
        "patients.Enrollment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relapse_events",
    )
    source = models.CharField(max_length=20, choices=RelapseSource.choices)
    occurred_on = models.DateField(help_text="When the use happened (best estimate).")
    substances = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    drug_screen = models.ForeignKey(
        "care.DrugScreen",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relapse_events",
    )
    status = models.CharField(
        max_length=8, choices=RelapseStatus.choices, default=RelapseStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    # Step 1: safety check
    safety_findings = models.JSONField(default=list, blank=True)
    safety_notes = models.TextField(blank=True)
    safety_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    safety_checked_at = models.DateTimeField(null=True, blank=True)
    # Step 2: plan revision
    plan_revision = models.ForeignKey(
        "care.TreatmentPlan", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    plan_note = models.CharField(max_length=500, blank=True)
    plan_done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    plan_done_at = models.DateTimeField(null=True, blank=True)
    # Step 3: care-team notice
    notified = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    notice_text = models.CharField(max_length=500, blank=True)
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notified_at = models.DateTimeField(null=True, blank=True)
    # Step 4: level-of-care review
    recommendation = models.ForeignKey(
        "care.TaperRecommendation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["patient", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True)
                | models.Q(status="closed", closed_at__isnull=False),
                name="relapse_close_consistent",
            )
        ]

    def __str__(self) -> str:
        return f"Relapse response {self.pk} ({self.status})"

    @property
    def steps(self) -> list[tuple[str, bool]]:
        return [
            ("Safety check", self.safety_checked_at is not None),
            ("Plan revision", self.plan_done_at is not None),
            ("Care-team notice", self.notified_at is not None),
            ("Level-of-care review", self.recommendation_id is not None),
        ]

    @property
    def safety_labels(self) -> list[str]:
        return [
            str(SafetyFinding(f).label) for f in self.safety_findings if f in SafetyFinding.values
        ]

    @property
    def all_steps_done(self) -> bool:
        return all(done for _, done in self.steps)
