"""Treatment plans: versioned per enrolment, locked once the patient signs.

A plan holds problems (each linked to an ICD-10-CM diagnosis), goals (with the program's skill
domain), measurable objectives (target date and status) and interventions. Signing stores the
patient's typed name and date, attested by the staff member present; from then on services
refuse changes to the plan's content. A revision copies the signed plan into a new draft
version; when that draft is signed, the previous version becomes "superseded".
Objectives carry a ``lineage`` shared by their copies across versions, so progress documented
against an objective stays with it from one version to the next.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed (locked)"
    SUPERSEDED = "superseded", "Superseded by a later version"


class SkillDomain(models.TextChoices):
    """The skills every reputable program builds (common IOP practice)."""

    COPING = "coping", "Coping skills"
    PROBLEM_SOLVING = "problem_solving", "Problem-solving"
    SELF_AWARENESS = "self_awareness", "Self-awareness"
    RECOGNISING_UNHEALTHY = "recognising_unhealthy", "Recognising unhealthy behaviour"
    ASKING_FOR_HELP = "asking_for_help", "Asking for and receiving help"
    OTHER = "other", "Other goal"


class ObjectiveStatus(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    BEHIND = "behind", "Behind"
    MET = "met", "Met"


class InterventionKind(models.TextChoices):
    CBT = "cbt", "Cognitive behavioural therapy (CBT)"
    DBT = "dbt", "DBT skills"
    MI = "mi", "Motivational interviewing"
    CM = "cm", "Contingency management"
    FAMILY = "family", "Family therapy"
    MEDICATION = "medication", "Medication management"
    PSYCHOEDUCATION = "psychoeducation", "Psychoeducation"
    PEER = "peer", "Peer support"


class TreatmentPlan(models.Model):
    """One version of the treatment plan of one enrolment."""

    enrollment = models.ForeignKey(
        "patients.Enrollment", on_delete=models.PROTECT, related_name="treatment_plans"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="treatment_plans"
    )
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="revisions"
    )
    revision_reason = models.CharField(max_length=300, blank=True)
    review_on = models.DateField(help_text="Next review of the plan with the patient.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    patient_signature_name = models.CharField(max_length=200, blank=True)
    patient_signed_on = models.DateField(null=True, blank=True)
    signature_attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["enrollment", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "version"], name="plan_version_unique"),
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=models.Q(status="draft"),
                name="plan_one_draft_per_enrollment",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", signed_at__isnull=True)
                | (
                    ~models.Q(status="draft")
                    & models.Q(signed_at__isnull=False, patient_signed_on__isnull=False)
                    & ~models.Q(patient_signature_name="")
                ),
                name="plan_signature_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan v{self.version} of enrolment {self.enrollment_id} ({self.status})"

    @property
    def locked(self) -> bool:
        return self.status != PlanStatus.DRAFT


class Problem(models.Model):
    """A problem the plan addresses, linked to a diagnosis (ICD-10-CM): the billable code, its
    description and the code set it was checked against (``domain.diagnosis.icd10``)."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="problems")
    description = models.CharField(max_length=500)
    icd10_code = models.CharField("ICD-10-CM code", max_length=8)
    icd10_label = models.CharField("ICD-10-CM description", max_length=255, blank=True)
    code_set_version = models.CharField(
        "code set",
        max_length=40,
        blank=True,
        help_text="The ICD-10-CM release the code was checked against, e.g. ICD-10-CM FY2026.",
    )
    code_in_table = models.BooleanField(
        default=True,
        help_text="False for a code entered before the full code-set check that is not a "
        "billable code of the code set: review it.",
    )

    class Meta:
        ordering = ["plan", "id"]

    def __str__(self) -> str:
        return f"{self.icd10_code}: {self.description[:40]}"


class Goal(models.Model):
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="goals")
    problem = models.ForeignKey(
        Problem, on_delete=models.CASCADE, null=True, blank=True, related_name="goals"
    )
    description = models.CharField(max_length=500)
    skill_domain = models.CharField(max_length=24, choices=SkillDomain.choices)
    # A goal may address a social need found by the needs screen or recorded by staff
    # (housing, work ...), so the plan and the referral work are one picture.
    need = models.ForeignKey(
        "support.Need", on_delete=models.SET_NULL, null=True, blank=True, related_name="goals"
    )

    class Meta:
        ordering = ["plan", "id"]

    def __str__(self) -> str:
        return self.description[:60]


class Objective(models.Model):
    """A measurable objective with a target date and its current status."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="objectives")
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="objectives")
    lineage = models.UUIDField(default=uuid.uuid4, db_index=True)
    description = models.CharField(max_length=500)
    measure = models.CharField(
        max_length=300, help_text="How progress is measured (for example: 3 meetings a week)."
    )
    target_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=ObjectiveStatus.choices, default=ObjectiveStatus.ON_TRACK
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "target_on", "id"]

    def __str__(self) -> str:
        return self.description[:60]


class Intervention(models.Model):
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="interventions")
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, null=True, blank=True, related_name="interventions"
    )
    kind = models.CharField(max_length=20, choices=InterventionKind.choices)
    frequency = models.CharField(max_length=100, help_text="For example: twice a week in group.")
    responsible = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["plan", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class ObjectiveProgressNote(models.Model):
    """Documented progress on an objective: a link from a clinical note (delivery's ``Note``)
    to the objective it addresses, with the relevant excerpt; or, without a note, an entry a
    clinician records directly on the objective."""

    objective = models.ForeignKey(
        Objective, on_delete=models.PROTECT, related_name="progress_notes"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    lineage = models.UUIDField(db_index=True)
    note = models.ForeignKey(
        "delivery.Note",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objective_links",
        help_text="The clinical note this progress is documented in (empty: entered here).",
    )
    excerpt = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"progress on objective {self.objective_id}"
