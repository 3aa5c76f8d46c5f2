"""Community support: peer meetings each week and the person's supports.

The tapering engine reads "growing reliance on community support" (common IOP practice) from these:
meetings attended per week, a sponsor or mentor, and sober supports. A week with no record
is "not recorded", never zero meetings: record 0 to say the patient went to none.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MeetingKind(models.TextChoices):
    AA = "aa", "Alcoholics Anonymous (AA)"
    NA = "na", "Narcotics Anonymous (NA)"
    SMART = "smart", "SMART Recovery"
    REFUGE = "refuge", "Refuge Recovery"
    FAITH = "faith", "Faith-based group"
    OTHER = "other", "Other peer group"


class FamilyInvolvement(models.TextChoices):
    UNKNOWN = "unknown", "Not yet discussed"
    NONE = "none", "Not involved"
    OCCASIONAL = "occasional", "Occasionally involved"
    REGULAR = "regular", "Regularly involved"
    FAMILY_THERAPY = "family_therapy", "In family sessions"


class PeerMeetingWeek(models.Model):
    """Meetings of one kind attended in the week starting ``week_start`` (a Monday)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="peer_meeting_weeks"
    )
    week_start = models.DateField()
    kind = models.CharField(max_length=10, choices=MeetingKind.choices)
    count = models.PositiveSmallIntegerField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-week_start", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "week_start", "kind"], name="peer_meeting_week_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(count__lte=30), name="peer_meeting_count_sane"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} {self.kind} in week of {self.week_start}"


class SupportProfile(models.Model):
    """The patient's supports and their own report of their last use."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="support_profile"
    )
    has_sponsor_or_mentor = models.BooleanField(default=False)
    sponsor_name = models.CharField(max_length=200, blank=True)
    sober_supports = models.PositiveSmallIntegerField(
        default=0, help_text="People the patient can call who support their recovery."
    )
    sober_supports_notes = models.CharField(max_length=500, blank=True)
    family_involvement = models.CharField(
        max_length=16, choices=FamilyInvolvement.choices, default=FamilyInvolvement.UNKNOWN
    )
    family_notes = models.CharField(max_length=500, blank=True)
    last_use_reported_on = models.DateField(
        null=True, blank=True, help_text="The patient's own report of their last use."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Supports of patient {self.patient_id}"
