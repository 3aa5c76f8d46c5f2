"""The public program directory: facilities, what an organization publishes, fee schedules,
import runs and the referral-request rate limit.

Nothing here is protected health information: facilities are public places, and referral
requests themselves are stored by the intake app (`intake.Referral`).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from openiop.locator.codes import (
    LANGUAGE_LABELS,
    CareType,
    Condition,
    Payment,
    Population,
    languages_list,
)


class FacilitySource(models.TextChoices):
    OWN = "own", "Published by an OpenIOP program"
    IMPORT = "import", "Imported from a facility file"


class HoursBasis(models.TextChoices):
    SCHEDULE = "schedule", "from the published group schedule"
    STAFF_HOURS = "staff_hours", "based on staff hours"
    REPORTED = "reported", "as reported by the facility"
    UNKNOWN = "unknown", "not reported"


OWN_ID_PREFIX = "openiop-program-"


class Facility(models.Model):
    """A treatment facility in the public directory.

    `source=own`: one per published OpenIOP program, kept up to date by `services.publish_*`;
    its live openings are recomputed on every search. `source=import`: from a CSV file in the
    documented format (docs/locator-import.md), updated by re-importing the same facility id.
    Multi-valued attributes are bit masks over the vocabularies in `codes.py`.
    """

    external_id = models.CharField(max_length=64, unique=True)
    source = models.CharField(max_length=10, choices=FacilitySource.choices)
    organization = models.ForeignKey(
        "organization.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Owner: the organization whose program this is, or that imported it.",
    )
    program = models.OneToOneField(
        "organization.Program",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="facility",
    )
    name = models.CharField(max_length=300)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2)
    zip_code = models.CharField(max_length=10)
    latitude = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(max_length=300, blank=True)
    care_types = models.PositiveIntegerField(default=0)
    conditions = models.PositiveIntegerField(default=0)
    populations = models.PositiveIntegerField(default=0)
    payments = models.PositiveIntegerField(default=0)
    languages = models.CharField(max_length=400, blank=True, help_text='e.g. "|english|spanish|"')
    telehealth = models.BooleanField(default=False)
    evenings = models.BooleanField(default=False)
    weekends = models.BooleanField(default=False)
    hours_basis = models.CharField(
        max_length=12, choices=HoursBasis.choices, default=HoursBasis.UNKNOWN
    )
    accepting_new_patients = models.BooleanField(null=True, help_text="None: not reported.")
    openings = models.PositiveIntegerField(null=True, blank=True, help_text="None: not reported.")
    capacity = models.PositiveIntegerField(null=True, blank=True)
    last_updated = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "facilities"
        indexes = [models.Index(fields=["latitude", "longitude"], name="facility_lat_lon")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90)
                & models.Q(longitude__gte=-180, longitude__lte=180),
                name="facility_coordinates_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(source="import") | models.Q(program__isnull=False),
                name="facility_own_has_program",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def care_type_labels(self) -> list[str]:
        return CareType.labels_in(self.care_types)

    @property
    def condition_labels(self) -> list[str]:
        return Condition.labels_in(self.conditions)

    @property
    def population_labels(self) -> list[str]:
        return Population.labels_in(self.populations)

    @property
    def payment_labels(self) -> list[str]:
        return Payment.labels_in(self.payments)

    @property
    def language_keys(self) -> list[str]:
        return languages_list(self.languages)

    @property
    def language_labels(self) -> list[str]:
        return [LANGUAGE_LABELS.get(key, key) for key in self.language_keys]


def _default_payments() -> int:
    return Payment.PRIVATE_INSURANCE.mask | Payment.SELF_PAY.mask


class ProgramListing(models.Model):
    """What an organization says publicly about one of its programs, beyond its setup.

    Tracks, ages, capacity, enrolment and group times come from the program itself; payments,
    languages and telehealth are not in the program setup, so the administrator sets them here.
    """

    program = models.OneToOneField(
        "organization.Program", on_delete=models.CASCADE, related_name="listing"
    )
    published = models.BooleanField(default=True, help_text="Show in the public directory.")
    payments = models.PositiveIntegerField(default=_default_payments)
    languages = models.CharField(max_length=400, default="|english|")
    telehealth = models.BooleanField(default=False)
    extra_care_types = models.PositiveIntegerField(
        default=0, help_text="Care types offered besides intensive outpatient."
    )
    extra_populations = models.PositiveIntegerField(
        default=0, help_text="Special groups served besides the tracks' age ranges."
    )
    phone = models.CharField(max_length=40, blank=True, help_text="Default: the site's phone.")
    website = models.URLField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Listing of {self.program_id}"


class FeeScheduleSetting(models.Model):
    """A program's own prices for the public cost estimate (`openiop.domain.costing`).

    Without one the national default applies ($250-$350 a day). `services`, `populations` and
    `amenities` override the defaults key by key: {"family_therapy": {"label": ..., "price":
    "40.00", "per": "week", "sessions_per_week": 1}}, {"adolescents": "1.10"}.
    """

    program = models.OneToOneField(
        "organization.Program", on_delete=models.CASCADE, related_name="fee_schedule"
    )
    daily_rate_low = models.DecimalField(max_digits=8, decimal_places=2)
    daily_rate_high = models.DecimalField(max_digits=8, decimal_places=2)
    daily_rate_expected = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    location_cost_index = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        help_text="1.00 when these prices are already local.",
    )
    services = models.JSONField(default=dict, blank=True)
    populations = models.JSONField(default=dict, blank=True)
    amenities = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(daily_rate_low__lte=models.F("daily_rate_high")),
                name="fee_rate_order",
            )
        ]

    def __str__(self) -> str:
        return f"Fee schedule of {self.program_id}"


class ImportRun(models.Model):
    """One CSV import: who, when, and what happened to each row (rejections with reasons)."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file_name = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first rejections.")

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Import of {self.file_name}"


class ReferralAttempt(models.Model):
    """A public referral request, kept for an hour or so to rate-limit by address.

    The address is stored as a keyed hash, never in clear. Kept in the database so the limit
    holds across several server processes.
    """

    client_key = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    outcome = models.CharField(max_length=20)

    class Meta:
        indexes = [models.Index(fields=["client_key", "created_at"], name="referral_attempt_key")]

    def __str__(self) -> str:
        return f"{self.outcome} at {self.created_at:%Y-%m-%d %H:%M}"
