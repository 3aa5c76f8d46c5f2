"""The audit trail: append-only, hash-chained events (45 CFR 170.315(d)(2), ASTM E2147-18).

Each event stores date/time (UTC), patient, user, action and the data touched
(ASTM E2147 §7.1.1-7.1.9), chained with HMAC-SHA256 over the previous event's digest so that
an edited, deleted, inserted or reordered row is detected by `openiop audit verify`.
`AuditHead` holds the latest digest: it serialises appends and detects a truncated tail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    VIEW = "view", "View"
    QUERY = "query", "Query"
    ADD = "add", "Add"
    CHANGE = "change", "Change"
    DELETE = "delete", "Delete"
    PRINT = "print", "Print"
    EXPORT = "export", "Export"
    DENIED = "denied", "Access denied"
    LOGIN = "login", "Log in"
    LOGOUT = "logout", "Log out"
    LOGIN_FAILED = "login_failed", "Failed log-in"
    BREAK_GLASS = "break_glass", "Emergency access"
    SECURITY = "security", "Security change"
    DISCLOSE = "disclose", "Disclosure outside the program"


class AuditEvent(models.Model):
    """One audited action. Never updated or deleted (database triggers refuse it)."""

    seq = models.BigIntegerField(unique=True)
    organization_id_value = models.BigIntegerField(
        null=True, db_index=True, help_text="Organization of the actor or patient; scopes reports."
    )
    occurred_at = models.DateTimeField(db_index=True)
    user_id_value = models.BigIntegerField(null=True, db_index=True)
    username = models.CharField(max_length=150, blank=True)
    patient_id_value = models.BigIntegerField(null=True, db_index=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    fields = models.JSONField(default=list)
    client_ip = models.CharField(max_length=45, blank=True)
    break_glass = models.BooleanField(default=False)
    part2 = models.BooleanField(
        default=False, help_text="The data touched is a 42 CFR Part 2 record."
    )
    detail = models.CharField(max_length=500, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["patient_id_value", "occurred_at"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.username or 'system'}"


class AuditHead(models.Model):
    """Single row (id=1): the latest sequence number and digest of the chain."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head at #{self.seq}"


class BreakGlassGrant(models.Model):
    """Emergency access to one patient for a pre-set user, with a reason, for at most 4 h."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    reason = models.CharField(max_length=500)
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("started_at")), name="bg_expiry_after"
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="bg_reason_required"),
        ]

    def __str__(self) -> str:
        return f"emergency access of user {self.user_id} to patient {self.patient_id}"
