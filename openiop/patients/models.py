"""Patients and their contacts.

Every row here is protected health information and, in a substance-use program, a
42 CFR Part 2 record: reads and writes go through `core.access` and are audited.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from openiop.domain.names import SEARCH_NAME_MAX, search_key
from openiop.organization.models import ZIP_VALIDATOR

PHONE_VALIDATOR = RegexValidator(
    r"^[0-9+() .\-]{7,30}$", "Enter a phone number with digits, spaces, +, ( ) or -."
)


class PatientQuerySet(models.QuerySet["Patient"]):
    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Patient]:
        """Fill each row's search key first: bulk inserts do not call ``save()``."""
        objs = list(objs)
        for obj in objs:
            obj.fill_search_name()
        return super().bulk_create(objs, *args, **kwargs)


class Patient(models.Model):
    """A person registered at a site. `mrn` is unique within the organization.

    `search_name` is derived from the names (``openiop.domain.names.search_key``) on every
    ``save()`` and bulk insert; the list pages sort by it and the search matches its prefix.
    """

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="patients"
    )
    site = models.ForeignKey("organization.Site", on_delete=models.PROTECT, related_name="patients")
    program = models.ForeignKey(
        "organization.Program",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="patients",
        help_text="The program the patient was registered for.",
    )
    mrn = models.CharField("record number", max_length=20)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    sex_at_birth = models.CharField(
        max_length=16,
        choices=[
            ("female", "Female"),
            ("male", "Male"),
            ("intersex", "Intersex"),
            ("unknown", "Unknown"),
        ],
        default="unknown",
    )
    gender_identity = models.CharField(max_length=60, blank=True)
    pronouns = models.CharField(max_length=30, blank=True)
    preferred_language = models.CharField(max_length=40, default="English")
    interpreter_needed = models.BooleanField(default=False)
    phone = models.CharField(max_length=30, blank=True, validators=[PHONE_VALIDATOR])
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip_code = models.CharField(max_length=10, blank=True, validators=[ZIP_VALIDATOR])
    created_at = models.DateTimeField(auto_now_add=True)
    search_name = models.CharField(max_length=SEARCH_NAME_MAX, editable=False, default="")

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "mrn"], name="patient_mrn_unique"),
            models.CheckConstraint(
                condition=models.Q(date_of_birth__gte=date(1900, 1, 1)), name="patient_dob_sane"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "last_name", "first_name"]),
            models.Index(fields=["organization", "date_of_birth"]),
            # List pages: keyset order within the organization.
            models.Index(fields=["organization", "search_name", "id"], name="patient_org_sname_id"),
            # Prefix search (LIKE 'abc%'): a pattern operator class, so that PostgreSQL uses
            # the index whatever the database collation (PostgreSQL manual, 11.10 "Operator
            # Classes and Operator Families"). SQLite ignores operator classes.
            models.Index(
                fields=["organization", "search_name"],
                name="patient_org_sname_prefix",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["organization", "date_of_birth", "search_name"],
                name="patient_org_dob_sname",
                opclasses=["int8_ops", "date_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name} ({self.mrn})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A derived column kept in step with its sources, not a business rule.
        self.fill_search_name()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"first_name", "last_name", "preferred_name"} & set(
            update_fields
        ):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    def fill_search_name(self) -> None:
        self.search_name = search_key(self.last_name, self.first_name, self.preferred_name)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def program_label(self) -> str:
        """Where the patient is in treatment now, from their open enrolments (not the program
        they were referred or registered for): "Program: track, track; Other program: track",
        or "Not enrolled". List pages prefetch ``open_enrollments``
        (``selectors.with_program_labels``); elsewhere this runs one query."""
        rows: list[Enrollment] | None = getattr(self, "open_enrollments", None)
        if rows is None:
            rows = list(open_enrollments().filter(patient=self))
        by_program: dict[str, list[str]] = {}
        for e in rows:
            on_leave = " (on leave)" if e.status == EnrollmentStatus.ON_LEAVE else ""
            by_program.setdefault(e.track.program.name, []).append(f"{e.track.name}{on_leave}")
        if not by_program:
            return NOT_ENROLLED
        return "; ".join(f"{name}: {', '.join(tracks)}" for name, tracks in by_program.items())

    def age_on(self, day: date) -> int:
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years


class Contact(models.Model):
    """A person connected to the patient (family, emergency contact, sponsor...)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=60)
    phone = models.CharField(max_length=30, blank=True, validators=[PHONE_VALIDATOR])
    email = models.EmailField(blank=True)
    is_emergency = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_emergency", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ON_LEAVE = "on_leave", "On leave"
    DISCHARGED = "discharged", "Discharged"


class Enrollment(models.Model):
    """A patient admitted to one track. A person with co-occurring conditions may hold
    two active enrolments (for example mental health and substance use) at once (common IOP practice).

    `required_weekly_hours` starts at the track minimum; tapering changes it.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="enrollments")
    track = models.ForeignKey(
        "organization.Track", on_delete=models.PROTECT, related_name="enrollments"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    required_weekly_hours = models.DecimalField(max_digits=4, decimal_places=1)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="enrollment_dates_order",
            ),
            models.CheckConstraint(
                condition=models.Q(required_weekly_hours__gt=0), name="enrollment_hours_positive"
            ),
            models.UniqueConstraint(
                fields=["patient", "track"],
                condition=models.Q(status="active"),
                name="enrollment_one_active_per_track",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} in {self.track_id} from {self.starts_on}"


OPEN_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.ON_LEAVE)
# The enrolments whose tracks make up the patient's one weekly requirement: the open ones (a
# leave lowers or suspends the week's requirement, it does not take the track out of it). The
# week's compliance, the plan page and the chart's Schedule tab all read this one set.
REQUIREMENT_STATUSES = OPEN_STATUSES
NOT_ENROLLED = "Not enrolled"


def open_enrollments() -> models.QuerySet[Enrollment]:
    """Active and on-leave enrolments with their track and program, in label order."""
    return (
        Enrollment.objects.filter(status__in=OPEN_STATUSES)
        .select_related("track__program")
        .order_by("track__program__name", "track__name", "pk")
    )


class AgeOutReview(models.Model):
    """A clinician's review of an enrolment in an adolescent track once the patient turned 18.
    The review records what was decided; it moves nobody (a transfer is an admission to
    another track and a discharge from this one)."""

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.PROTECT, related_name="age_out_review"
    )
    note = models.TextField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Age-out review of enrolment {self.enrollment_id}"
