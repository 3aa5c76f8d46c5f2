"""Organization -> sites -> programs -> tracks, rooms, and staff profiles.

A track's minimum weekly hours default to ASAM Level 2.1: at least 9 hours a week for
adults and 6 for adolescents (SAMHSA 2021 advisory citing Mee-Lee 2013).

What the weekly scheduler reads besides people: a site's own hours for the morning, afternoon
and evening (empty: the standard hours), the days and parts of the day a track meets in (empty:
any), and a room's weekly hours (none recorded: open whenever its site has groups).
"""

from __future__ import annotations

import zoneinfo
from datetime import time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

ZIP_VALIDATOR = RegexValidator(r"^\d{5}(-\d{4})?$", "Enter a US ZIP code such as 02139.")

# The parts of the day groups meet in; their standard hours are the scheduler's
# (``openiop.scheduling.blocks.SLOTS``), a site may keep its own (``Site.*_start``/``*_end``).
DAY_PARTS: tuple[tuple[str, str], ...] = (("am", "Morning"), ("pm", "Afternoon"), ("ev", "Evening"))
DAY_PART_FIELDS: dict[str, tuple[str, str]] = {
    "am": ("morning_start", "morning_end"),
    "pm": ("afternoon_start", "afternoon_end"),
    "ev": ("evening_start", "evening_end"),
}


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. America/New_York).")


class Organization(models.Model):
    """The legal entity that runs one or more sites."""

    name = models.CharField(max_length=200, unique=True)

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A physical location. Times of its groups are local to `timezone`."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2)
    zip_code = models.CharField(max_length=10, validators=[ZIP_VALIDATOR])
    timezone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_timezone]
    )
    phone = models.CharField(max_length=30, blank=True)
    # The site's own hours for each part of the day (local time); both empty: standard hours.
    morning_start = models.TimeField(null=True, blank=True)
    morning_end = models.TimeField(null=True, blank=True)
    afternoon_start = models.TimeField(null=True, blank=True)
    afternoon_end = models.TimeField(null=True, blank=True)
    evening_start = models.TimeField(null=True, blank=True)
    evening_end = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="site_name_unique_in_org")
        ]

    def __str__(self) -> str:
        return self.name

    def own_hours_text(self) -> str:
        """The site's own hours in words ("evening 17:30-20:30"); "" when all are standard."""
        labels = dict(DAY_PARTS)
        return ", ".join(
            f"{labels[part].lower()} {start:%H:%M}-{end:%H:%M}"
            for part, (start, end) in self.own_hours().items()
        )

    def own_hours(self) -> dict[str, tuple[time, time]]:
        """The parts of the day this site keeps its own hours for: part -> (start, end)."""
        out = {}
        for part, (start_field, end_field) in DAY_PART_FIELDS.items():
            start, end = getattr(self, start_field), getattr(self, end_field)
            if start is not None and end is not None:
                out[part] = (start, end)
        return out

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for part, label in DAY_PARTS:
            start_field, end_field = DAY_PART_FIELDS[part]
            start, end = getattr(self, start_field), getattr(self, end_field)
            if (start is None) != (end is None):
                errors[end_field] = f"Give both times for the {label.lower()}, or neither."
            elif start is not None and end is not None and end <= start:
                errors[end_field] = f"The {label.lower()} must end after it starts."
        if errors:
            raise ValidationError(errors)


class Program(models.Model):
    """An IOP program at a site (for example "Evening IOP")."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="programs")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    accepting_new_patients = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="program_name_unique_in_site")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.site.name})"


class TrackKind(models.TextChoices):
    SUBSTANCE_USE = "substance_use", "Substance use"
    ALCOHOL = "alcohol", "Alcohol"
    ADOLESCENTS = "adolescents", "Adolescents"
    EATING_DISORDERS = "eating_disorders", "Eating disorders"
    MENTAL_HEALTH = "mental_health", "Mental health"
    CO_OCCURRING = "co_occurring", "Co-occurring"


ADULT_MIN_WEEKLY_HOURS = Decimal("9")
ADOLESCENT_MIN_WEEKLY_HOURS = Decimal("6")


def asam_floor_hours(kind: str) -> Decimal:
    """The fewest weekly hours a track of this kind may require: the ASAM Level 2.1 minimum of
    its population (`openiop.domain.compliance.population_minimum_minutes`)."""
    from openiop.domain.compliance import population_minimum_minutes

    return Decimal(population_minimum_minutes(kind == TrackKind.ADOLESCENTS)) / 60


def default_min_hours(kind: str) -> Decimal:
    """ASAM 2.1 floor: 6 h/week for adolescents, 9 h/week for adults (ASAM Criteria, 3rd ed. (Mee-Lee 2013), Level 2.1)."""
    return ADOLESCENT_MIN_WEEKLY_HOURS if kind == TrackKind.ADOLESCENTS else ADULT_MIN_WEEKLY_HOURS


class Track(models.Model):
    """A treatment track within a program, with its weekly minimum and group limits."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="tracks")
    kind = models.CharField(max_length=32, choices=TrackKind.choices)
    name = models.CharField(max_length=200)
    min_weekly_hours = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("40"))],
    )
    min_group = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1)])
    max_group = models.PositiveSmallIntegerField(default=12, validators=[MinValueValidator(1)])
    min_age = models.PositiveSmallIntegerField(default=18)
    max_age = models.PositiveSmallIntegerField(default=120)
    # When the track meets: weekdays (0 = Monday) and parts of the day; empty lists: any.
    meeting_days = models.JSONField(default=list, blank=True)
    meeting_parts = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["program", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_group__lte=models.F("max_group")),
                name="track_group_bounds",
            ),
            models.CheckConstraint(
                condition=models.Q(min_age__lte=models.F("max_age")), name="track_age_bounds"
            ),
            models.CheckConstraint(
                condition=models.Q(min_weekly_hours__gt=0), name="track_hours_positive"
            ),
            models.UniqueConstraint(fields=["program", "name"], name="track_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def meets_text(self) -> str:
        """When the track meets, in words ("Monday, Wednesday · evening"); "" for any time."""
        days = ", ".join(Weekday(d).label for d in sorted(self.meeting_days or ()))
        parts = " or ".join(
            label.lower() for part, label in DAY_PARTS if part in (self.meeting_parts or ())
        )
        return " · ".join(x for x in (days, parts) if x)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.min_group and self.max_group and self.min_group > self.max_group:
            errors["max_group"] = "The largest group size must be at least the smallest."
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            errors["max_age"] = "The oldest age must be at least the youngest."
        days = self.meeting_days
        if not isinstance(days, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in days
        ):
            errors["meeting_days"] = "Choose days of the week."
        parts = self.meeting_parts
        if not isinstance(parts, list) or not all(p in DAY_PART_FIELDS for p in parts):
            errors["meeting_parts"] = "Choose morning, afternoon or evening."
        floor = asam_floor_hours(self.kind)
        if self.min_weekly_hours is not None and self.min_weekly_hours < floor:
            population = "an adolescent" if self.kind == TrackKind.ADOLESCENTS else "an adult"
            errors["min_weekly_hours"] = (
                f"At least {floor:g} hours a week for {population} track: intensive outpatient "
                "care (ASAM Level 2.1) is 9 or more hours a week for adults and 6 or more for "
                "adolescents."
            )
        if errors:
            raise ValidationError(errors)


class Room(models.Model):
    """A group room at a site, or a virtual (telehealth) room with no site."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="rooms")
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="rooms"
    )
    name = models.CharField(max_length=100)
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    virtual = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(virtual=True, site__isnull=True))
                | models.Q(virtual=False, site__isnull=False),
                name="room_virtual_xor_site",
            ),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="room_capacity_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (virtual)" if self.virtual else self.name

    def clean(self) -> None:
        if self.virtual and self.site_id:
            raise ValidationError({"site": "A virtual room belongs to no site."})
        if not self.virtual and not self.site_id:
            raise ValidationError({"site": "Choose the site of this room."})


class StaffProfile(models.Model):
    """Where a staff member works: sites, programs, tracks they may lead, credentials."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    credentials = models.CharField(
        max_length=100, blank=True, help_text="For example LCSW, LADC, CADC, MD, RN."
    )
    requires_cosignature = models.BooleanField(
        default=False, help_text="Notes need a supervisor's co-signature (trainee credential)."
    )
    sites = models.ManyToManyField(Site, blank=True, related_name="staff")
    programs = models.ManyToManyField(Program, blank=True, related_name="staff")
    tracks = models.ManyToManyField(
        Track, blank=True, related_name="leaders", help_text="Tracks this person may lead."
    )
    max_weekly_hours = models.PositiveSmallIntegerField(default=40)
    prescriber = models.BooleanField(
        default=False,
        help_text="May prescribe (for example MD, DO, NP, PA): medication management visits.",
    )
    languages = models.CharField(
        max_length=120,
        default="English",
        help_text="Languages this person counsels in, separated by commas.",
    )
    caseload_limit = models.PositiveSmallIntegerField(
        default=25, help_text="Most patients this person is primary counselor for (program policy)."
    )

    def __str__(self) -> str:
        return f"Staff profile of {self.user}"

    def language_set(self) -> frozenset[str]:
        return frozenset(x.strip().casefold() for x in self.languages.split(",") if x.strip())


class Weekday(models.IntegerChoices):
    MON = 0, "Monday"
    TUE = 1, "Tuesday"
    WED = 2, "Wednesday"
    THU = 3, "Thursday"
    FRI = 4, "Friday"
    SAT = 5, "Saturday"
    SUN = 6, "Sunday"


class WeeklyWindow(models.Model):
    """A weekly window in site-local time; the end is after the start."""

    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "The end must be after the start."})


class StaffAvailability(WeeklyWindow):
    """A weekly window (site-local time) in which a staff member can lead groups."""

    staff = models.ForeignKey(StaffProfile, on_delete=models.CASCADE, related_name="availability")

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="avail_order"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="avail_weekday"),
        ]


class RoomAvailability(WeeklyWindow):
    """A weekly window (site-local time) in which a room may hold groups. A room with none
    is open whenever its site has groups."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="availability")

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="room_avail_order"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="room_avail_weekday"),
        ]
