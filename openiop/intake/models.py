"""Referrals and the admissions pipeline (issue #3 item 1).

A referral is a request for care about a person who may not be a patient yet; its details
are protected health information from the moment they arrive. Every move between stages is
recorded in `ReferralEvent` (who, when, why) as well as in the audit trail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
