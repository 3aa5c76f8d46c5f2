"""The patient and family portal: accounts, invitations, daily check-ins, absence notices,
family events, web-push subscriptions and the reminders sent.

A portal account is a `accounts.User` with the patient or family role (the access policy
knows both) and one `PortalAccount` row tying it to the patient. A family account also names
the 42 CFR Part 2 consent it was invited under: the consent decides what the family member
sees, and its end (revocation, expiry, end of treatment) ends the access at once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AccountKind(models.TextChoices):
    PATIENT = "patient", "Patient"
    FAMILY = "family", "Family member"


class PortalAccount(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="portal_account"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="portal_accounts"
    )
    kind = models.CharField(max_length=8, choices=AccountKind.choices)
    # A family account's consent (named recipient, purpose "family"); null for the patient.
    consent = models.ForeignKey(
        "privacy.Consent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    display_name = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Last time "My week" was opened: changes since then are highlighted.
    week_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="patient", consent__isnull=True)
                    | models.Q(kind="family", consent__isnull=False)
                ),
                name="portal_account_family_has_consent",
            ),
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(kind="patient", ended_at__isnull=True),
                name="portal_one_open_patient_account",
            ),
        ]

    def __str__(self) -> str:
        return f"portal account {self.pk} ({self.kind})"


class InvitationChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    TEXT = "text", "Text message (staff send the link)"


class PortalInvitation(models.Model):
    """A one-time link to set up a portal account. Only the SHA-256 of the token is kept;
    the link works once and expires (default 72 hours)."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="portal_invitations"
    )
    kind = models.CharField(max_length=8, choices=AccountKind.choices)
    consent = models.ForeignKey(
        "privacy.Consent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A reset re-invites an existing account: it keeps its history, gets a new password and
    # a new second factor.
    account = models.ForeignKey(
        PortalAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="invitations"
    )
    display_name = models.CharField(max_length=200)
    channel = models.CharField(max_length=8, choices=InvitationChannel.choices)
    send_to = models.CharField(max_length=254, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"portal invitation {self.pk}"


class Mood(models.IntegerChoices):
    VERY_LOW = 1, "Very low"
    LOW = 2, "Low"
    OK = 3, "Okay"
    GOOD = 4, "Good"
    VERY_GOOD = 5, "Very good"


class Sleep(models.IntegerChoices):
    VERY_POOR = 1, "Very poor"
    POOR = 2, "Poor"
    FAIR = 3, "Fair"
    GOOD = 4, "Good"
    VERY_GOOD = 5, "Very good"


class DailyCheckIn(models.Model):
    """The patient's short daily questionnaire (program's own items, not a scored
    instrument): one per local day; answering again the same day replaces it."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="daily_checkins"
    )
    day = models.DateField()
    craving = models.PositiveSmallIntegerField()  # 0-10
    mood = models.PositiveSmallIntegerField(choices=Mood.choices)
    sleep = models.PositiveSmallIntegerField(choices=Sleep.choices)
    used = models.BooleanField()  # any use since the last check-in
    need_to_talk = models.BooleanField()
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    safety_task = models.ForeignKey(
        "intake.SafetyTask", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "day"], name="daily_checkin_one_a_day"),
            models.CheckConstraint(
                condition=models.Q(craving__gte=0, craving__lte=10), name="daily_checkin_craving"
            ),
            models.CheckConstraint(
                condition=models.Q(mood__gte=1, mood__lte=5), name="daily_checkin_mood"
            ),
            models.CheckConstraint(
                condition=models.Q(sleep__gte=1, sleep__lte=5), name="daily_checkin_sleep"
            ),
        ]

    def __str__(self) -> str:
        return f"daily check-in {self.pk}"


class AbsenceNotice(models.Model):
    """ "I can't make it": the patient tells the care team ahead of a session. The compliance
    projection no longer counts the session's minutes as still to come."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="absence_notices"
    )
    session = models.ForeignKey(
        "scheduling.GroupSession", on_delete=models.PROTECT, related_name="absence_notices"
    )
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "session"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="absence_notice_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"absence notice {self.pk}"


class FamilyEvent(models.Model):
    """A family session or family education evening of a program, or one patient's family
    session. Family members see those of the patient's program (and the patient's own)."""

    program = models.ForeignKey(
        "organization.Program", on_delete=models.PROTECT, related_name="family_events"
    )
    patient = models.ForeignKey(
        "patients.Patient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="family_events",
    )
    title = models.CharField(max_length=120)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    where = models.CharField(max_length=200, help_text="Room, address or video link.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="family_event_order"
            )
        ]

    def __str__(self) -> str:
        return f"family event {self.pk}"


class PushSubscription(models.Model):
    """A browser's Web Push subscription (RFC 8030/8291) for one portal account."""

    account = models.ForeignKey(
        PortalAccount, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    failed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"push subscription {self.pk}"


class ReminderKind(models.TextChoices):
    SESSION = "session", "Session soon"
    QUESTIONNAIRE = "questionnaire", "Questionnaire due"


class ReminderSent(models.Model):
    """One reminder sent (or attempted) to one account, so the task never sends it twice."""

    account = models.ForeignKey(PortalAccount, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    key = models.CharField(max_length=64)  # session id, or instrument and due date
    channels = models.CharField(max_length=40, blank=True)  # "push,email"
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "kind", "key"], name="reminder_once")
        ]

    def __str__(self) -> str:
        return f"reminder {self.pk}"


class PortalSettings(models.Model):
    """Program policy for the portal (no published source): editable per program."""

    program = models.OneToOneField(
        "organization.Program", on_delete=models.CASCADE, related_name="portal_settings"
    )
    # Self check-in by picking the session from today's list. Off by default: the code shown
    # in the room is what shows the patient is there (attendance feeds hours and billing).
    pick_from_list = models.BooleanField(default=False)
    session_reminder_hours = models.PositiveSmallIntegerField(default=3)

    def __str__(self) -> str:
        return f"portal settings of program {self.program_id}"
