"""Discharge: type, summary, continuing-care plan and alumni follow-ups."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from openiop.intake import state_reporting_choices as sc


class DischargeType(models.TextChoices):
    COMPLETED = "completed", "Completed the program"
    STEPPED_DOWN = "stepped_down", "Stepped down to outpatient care"
    TRANSFERRED_UP = "transferred_up", "Transferred to a higher level of care"
    AGAINST_ADVICE = "against_advice", "Left against clinical advice"
    ADMINISTRATIVE = "administrative", "Administrative discharge"


# A change in level of care (up to a more intensive one, or down to outpatient care) concerns
# the whole person, so it ends every track (program policy).
LEVEL_OF_CARE_CHANGES = frozenset({DischargeType.TRANSFERRED_UP, DischargeType.STEPPED_DOWN})


class DischargeScope(models.TextChoices):
    EVERY_TRACK = "every_track", "Treatment here ends: every track"
    THIS_TRACK = "this_track", "This track only: the other tracks continue"


class Discharge(models.Model):
    enrollment = models.OneToOneField(
        "patients.Enrollment", on_delete=models.PROTECT, related_name="discharge"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="discharges"
    )
    kind = models.CharField("type", max_length=16, choices=DischargeType.choices)
    scope = models.CharField(
        max_length=16, choices=DischargeScope.choices, default=DischargeScope.THIS_TRACK
    )
    discharged_on = models.DateField()
    summary = models.TextField()
    next_provider = models.CharField(max_length=300, blank=True)
    peer_groups = models.CharField(max_length=300, blank=True)
    medications = models.CharField(max_length=500, blank=True)
    crisis_plan = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    # For the state's treatment episode report (SAMHSA TEDS discharge data set), all optional;
    # codes in ``openiop.domain.teds``. ``other_ending`` says why treatment ended where no
    # discharge type does (jail or prison, death, another reason): it overrides the type in
    # the report, and after a death no alumni follow-up is scheduled.
    other_ending = models.CharField(max_length=12, blank=True, choices=sc.OtherEnding.choices)
    employment = models.CharField(max_length=20, blank=True, choices=sc.Employment.choices)
    not_in_labor_force = models.CharField(
        max_length=12, blank=True, choices=sc.NotInLaborForce.choices
    )
    living = models.CharField(max_length=12, blank=True, choices=sc.Living.choices)
    frequency_1 = models.CharField(max_length=12, blank=True, choices=sc.UseFrequency.choices)
    frequency_2 = models.CharField(max_length=12, blank=True, choices=sc.UseFrequency.choices)
    frequency_3 = models.CharField(max_length=12, blank=True, choices=sc.UseFrequency.choices)
    arrests_30d = models.PositiveSmallIntegerField(null=True, blank=True)
    self_help_30d = models.CharField(max_length=20, blank=True, choices=sc.SelfHelp.choices)

    class Meta:
        ordering = ["-discharged_on", "-id"]

    def __str__(self) -> str:
        return f"Discharge of enrolment {self.enrollment_id} ({self.kind})"


class AlumniFollowUp(models.Model):
    discharge = models.ForeignKey(Discharge, on_delete=models.CASCADE, related_name="follow_ups")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=500, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"Follow-up due {self.due_on}"
