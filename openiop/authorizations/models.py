"""Payer authorizations of IOP/PHP services: how many units (days, sessions or hours) of a
service a payer authorized for a patient between two dates, and whom to call for the
concurrent review. The forecast is ``openiop.domain.authorization``; nothing here decides it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from openiop.domain.authorization import DEFAULT_REVIEW_LEAD_BUSINESS_DAYS


class UnitKind(models.TextChoices):
    DAYS = "days", "Days"
    SESSIONS = "sessions", "Sessions"
    HOURS = "hours", "Hours"


SERVICE_SUGGESTIONS = ("H0015", "S9480")


class Authorization(models.Model):
    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="authorizations"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="authorizations"
    )
    payer = models.ForeignKey(
        "billing.Payer", on_delete=models.PROTECT, related_name="authorizations"
    )
    service = models.CharField(
        max_length=10, help_text="The billed code the authorization covers (H0015, S9480...)."
    )
    unit_kind = models.CharField(max_length=10, choices=UnitKind.choices)
    units_authorized = models.DecimalField(max_digits=7, decimal_places=2)
    starts_on = models.DateField()
    ends_on = models.DateField()
    number = models.CharField("authorization number", max_length=40)
    review_contact_name = models.CharField(max_length=120, blank=True)
    review_contact_phone = models.CharField(max_length=40, blank=True)
    review_lead_business_days = models.PositiveSmallIntegerField(
        default=DEFAULT_REVIEW_LEAD_BUSINESS_DAYS
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["ends_on", "pk"]
        indexes = [models.Index(fields=["organization", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="authorization_dates_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(units_authorized__gt=0), name="authorization_units_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Authorization {self.number} of patient {self.patient_id}"
