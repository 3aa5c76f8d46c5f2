"""Support services: social needs, partner organizations, closed-loop referrals, peer support
and alumni.

SAMHSA TIP 47 (Substance Abuse: Clinical Issues in Intensive Outpatient Treatment, 2006,
https://www.ncbi.nlm.nih.gov/books/NBK64088/) adds "enhanced services" (child care,
transportation, vocational and housing help ...) to the core services, on site or through
linkages with community agencies; SAMHSA's 2021 advisory on IOP (based on TIP 47) has programs
collaborate with local community providers to secure needed services. A need comes from the CMS
Accountable Health Communities health-related social needs screen (a positive domain) or is
recorded by staff; it is referred to a partner, and the referral's changes (sent, received,
accepted or declined, service delivered, closed with the need resolved or not) are kept as
events with their date and who recorded them: a staff member, or the partner through a signed
link that shows that one referral.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


class NeedKind(models.TextChoices):
    HOUSING = "housing", "Housing"
    HOUSING_QUALITY = "housing_quality", "Housing conditions"
    FOOD = "food", "Food"
    TRANSPORTATION = "transportation", "Transportation"
    UTILITIES = "utilities", "Utilities"
    SAFETY = "safety", "Safety at home"
    EMPLOYMENT = "employment", "Work"
    EDUCATION = "education", "School or training"
    LEGAL = "legal", "Legal help"
    CHILDCARE = "childcare", "Childcare"
    BENEFITS = "benefits", "Benefits and income"
    PEER_RECOVERY = "peer_recovery", "Peer recovery support"
    OTHER = "other", "Other"


# The AHC HRSN screen's positive domains (flag codes of `openiop.domain.screening.social`)
# and the need each one opens.
FLAG_NEEDS: dict[str, str] = {
    "hrsn_housing_instability": NeedKind.HOUSING,
    "hrsn_housing_quality": NeedKind.HOUSING_QUALITY,
    "hrsn_food": NeedKind.FOOD,
    "hrsn_transportation": NeedKind.TRANSPORTATION,
    "hrsn_utilities": NeedKind.UTILITIES,
    "hrsn_interpersonal_safety": NeedKind.SAFETY,
}


class NeedSource(models.TextChoices):
    SCREEN = "screen", "Needs screen"
    STAFF = "staff", "Recorded by staff"


class NeedStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    UNRESOLVED = "unresolved", "Closed, not resolved"
    DECLINED = "declined", "Patient declined help"


OPEN_NEED = (NeedStatus.OPEN,)


class Need(models.Model):
    """A social need of a patient, open until it is closed (resolved, not resolved, or help
    declined). At most one open need of each kind per patient: a repeated screen finds the
    open one instead of opening another."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="support_needs"
    )
    kind = models.CharField(max_length=20, choices=NeedKind.choices)
    source = models.CharField(max_length=10, choices=NeedSource.choices)
    screening = models.ForeignKey(
        "intake.ScreeningResponse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_needs",
    )
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    identified_on = models.DateField()
    identified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["status", "-identified_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind"],
                condition=models.Q(status="open"),
                name="support_one_open_need_per_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", closed_on__isnull=True)
                | (~models.Q(status="open") & models.Q(closed_on__isnull=False)),
                name="support_need_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} need of patient {self.patient_id}"


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Spanish"
    CHINESE = "zh", "Chinese"
    VIETNAMESE = "vi", "Vietnamese"
    TAGALOG = "tl", "Tagalog"
    ARABIC = "ar", "Arabic"
    KOREAN = "ko", "Korean"
    RUSSIAN = "ru", "Russian"
    FRENCH = "fr", "French"
    HAITIAN_CREOLE = "ht", "Haitian Creole"
    PORTUGUESE = "pt", "Portuguese"
    ASL = "ase", "American Sign Language"


class Partner(models.Model):
    """An organization the program refers patients to. `facility`: the same organization's
    record in the public treatment locator, when it is one (peer recovery centres, other
    treatment programs), so its address and phone are not kept twice."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200)
    facility = models.ForeignKey(
        "locator.Facility", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip_code = models.CharField(max_length=10, blank=True)
    eligibility = models.CharField(max_length=1000, blank=True)
    languages = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="support_partner_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PartnerService(models.Model):
    """One service a partner offers (a partner may offer several kinds of help)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(max_length=20, choices=NeedKind.choices)
    name = models.CharField(max_length=200)
    eligibility = models.CharField(max_length=1000, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["partner", "kind", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.partner})"


class ReferralStatus(models.TextChoices):
    SENT = "sent", "Sent"
    RECEIVED = "received", "Received by the partner"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined by the partner"
    DELIVERED = "delivered", "Service delivered"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_REFERRAL = (
    ReferralStatus.SENT,
    ReferralStatus.RECEIVED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.DELIVERED,
)


class ReferralOutcome(models.TextChoices):
    NONE = "", "Not yet known"
    RESOLVED = "resolved", "Need resolved"
    NOT_RESOLVED = "not_resolved", "Need not resolved"


def new_link_nonce() -> str:
    return secrets.token_urlsafe(16)


class PartnerReferral(models.Model):
    """A need referred to a partner. `link_nonce` is part of the signed partner link: a new
    nonce revokes every link given before. `disclosure`: the 42 CFR Part 2 disclosure
    recorded when the referral was sent (the patient's consent to this partner)."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="partner_referrals"
    )
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="referrals")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="referrals")
    service = models.ForeignKey(
        PartnerService, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    outcome = models.CharField(
        max_length=14, choices=ReferralOutcome.choices, default="", blank=True
    )
    message = models.CharField(
        max_length=1000, blank=True, help_text="What the partner reads: the help asked for."
    )
    declined_reason = models.CharField(max_length=500, blank=True)
    sent_on = models.DateField()
    follow_up_on = models.DateField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    disclosure = models.ForeignKey(
        "privacy.Disclosure", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    link_nonce = models.CharField(max_length=32, default=new_link_nonce)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["follow_up_on", "id"]
        indexes = [models.Index(fields=["organization", "status", "follow_up_on"])]

    def __str__(self) -> str:
        return f"Referral {self.pk} to {self.partner}"


class ReferralEventSource(models.TextChoices):
    STAFF = "staff", "Staff"
    PARTNER_LINK = "partner_link", "Partner, through the referral link"


class ReferralEvent(models.Model):
    """One change of a referral: its status before and after, the day it happened (as
    reported), when and by whom it was recorded."""

    referral = models.ForeignKey(PartnerReferral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ReferralStatus.choices)
    occurred_on = models.DateField()
    recorded_at = models.DateTimeField()
    source = models.CharField(max_length=14, choices=ReferralEventSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    partner_person = models.CharField(
        max_length=200, blank=True, help_text="Who at the partner recorded it (their own words)."
    )
    note = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["referral", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class PeerContactKind(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    VIDEO = "video", "Video call"
    GROUP = "group", "Peer group"
    ATTEMPT = "attempt", "Tried to reach, no answer"


class PeerContact(models.Model):
    """A contact between a peer recovery specialist (or another staff member) and a patient,
    during treatment or after discharge (alumni)."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="peer_contacts"
    )
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    contacted_on = models.DateField()
    kind = models.CharField(max_length=10, choices=PeerContactKind.choices)
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=2000, blank=True)
    after_discharge = models.BooleanField(default=False)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-contacted_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__isnull=True) | models.Q(minutes__lte=600),
                name="support_peer_contact_minutes_sane",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} with patient {self.patient_id} on {self.contacted_on}"


class AlumniEvent(models.Model):
    """An alumni event of a program (a recovery picnic, an alumni group night)."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="+"
    )
    program = models.ForeignKey(
        "organization.Program", on_delete=models.PROTECT, related_name="alumni_events"
    )
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    place = models.CharField(max_length=300, blank=True)
    description = models.CharField(max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_at", "id"]

    def __str__(self) -> str:
        return self.title


class AlumniAttendance(models.Model):
    event = models.ForeignKey(AlumniEvent, on_delete=models.CASCADE, related_name="attendance")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="alumni_attendance"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "patient"], name="support_alumni_once"),
        ]

    def __str__(self) -> str:
        return f"Patient {self.patient_id} at {self.event}"


class SupportSettings(models.Model):
    """Program policy (no published source): how long a partner link works, when a referral
    is due for follow-up, how often the needs screen is repeated."""

    program = models.OneToOneField(
        "organization.Program", on_delete=models.CASCADE, related_name="support_settings"
    )
    link_days = models.PositiveSmallIntegerField(default=14)
    follow_up_days = models.PositiveSmallIntegerField(default=7)
    rescreen_days = models.PositiveSmallIntegerField(default=90)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(link_days__gte=1, link_days__lte=90),
                name="support_link_days_range",
            ),
            models.CheckConstraint(
                condition=models.Q(follow_up_days__gte=1, follow_up_days__lte=90),
                name="support_follow_up_days_range",
            ),
            models.CheckConstraint(
                condition=models.Q(rescreen_days__gte=7, rescreen_days__lte=730),
                name="support_rescreen_days_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Support settings of program {self.program_id}"


DEFAULT_SETTINGS = {"link_days": 14, "follow_up_days": 7, "rescreen_days": 90}
