"""Staff accounts: one user per person, a role, and the organization they work for.

Which sites and programs a user may see lives in `organization.StaffProfile`; this model
holds identity and the role that decides which functions they may use.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    CLINICAL_DIRECTOR = "clinical_director", "Clinical director"
    COUNSELOR = "counselor", "Counselor"
    INTAKE_COORDINATOR = "intake_coordinator", "Intake coordinator"
    BILLING = "billing", "Billing"
    FRONT_DESK = "front_desk", "Front desk"
    PEER_SPECIALIST = "peer_specialist", "Peer recovery specialist"
    # Portal accounts (no staff action; see the access policy).
    PATIENT = "patient", "Patient"
    FAMILY = "family", "Family member"


class User(AbstractUser):
    """A staff member. Every staff user must pass TOTP before any patient data."""

    role = models.CharField(max_length=32, choices=Role.choices, default=Role.COUNSELOR)
    organization = models.ForeignKey(
        "organization.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    can_break_glass = models.BooleanField(
        default=False,
        help_text="Member of the pre-set emergency-access group (45 CFR 170.315(d)(6)).",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="user_role_valid"
            ),
        ]

    def is_verified(self) -> bool:
        """Whether this request passed TOTP. OTPMiddleware replaces it on each request's
        user; anywhere else the answer is no."""
        return False

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
