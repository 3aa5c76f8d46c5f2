"""Intake forms: referrals, stage moves, level-of-care assessment, admission with the weekly
availability grid, safety tasks, program policy, and the public self-check.

Forms parse and check shapes; the rules live in `intake.services` and the domain."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from openiop.accounts.models import User
from openiop.core.forms import set_queryset
from openiop.domain.compliance import admission_minimum_minutes
from openiop.domain.placement import (
    EVIDENCE_ROWS,
    Dimension,
    LevelOfCare,
    PlacementPolicy,
    Proposal,
)
from openiop.domain.placement.policy import (
    COWS_BAND_STARTS,
    RATINGS,
    dimension_levels_table,
)
from openiop.intake.models import BLOCK_TIMES, WEEKDAYS, Block, ReferralSource, ReferralStage
from openiop.intake.placement import (
    CONDITION_CHOICES,
    CRITERIA_FIELDS,
    CRITERIA_LABELS,
    DIMENSION_LABELS,
    LEVEL_CHOICES,
    SCREENING_FACT_FIELDS,
    SCREENING_FACT_LABELS,
    Assessment,
)
from openiop.organization.models import Program, Track
from openiop.patients.forms import DateInput
from openiop.patients.models import PHONE_VALIDATOR
from openiop.privacy.models import NoticeMethod


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A staff member, shown by name and role (never by username alone)."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.get_role_display()})"


def _not_future(value: date | None) -> date | None:
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError("The date of birth cannot be in the future.")
    if value is not None and value < date(1900, 1, 1):
        raise forms.ValidationError("Enter a date of birth after 1900.")
    return value


class ReferralForm(forms.Form):
    program = forms.ModelChoiceField(
        queryset=Program.objects.none(),
        required=False,
        empty_label="No program yet (intake coordinators route it)",
    )
    source = forms.ChoiceField(choices=[("", "—"), *ReferralSource.choices])
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    date_of_birth = forms.DateField(required=False, widget=DateInput())
    phone = forms.CharField(max_length=30, required=False, validators=[PHONE_VALIDATOR])
    email = forms.EmailField(required=False)
    preferred_language = forms.CharField(max_length=40, required=False)
    referrer_name = forms.CharField(label="Referrer's name", max_length=200, required=False)
    referrer_organization = forms.CharField(
        label="Referrer's organization", max_length=200, required=False
    )
    referrer_phone = forms.CharField(
        label="Referrer's phone", max_length=30, required=False, validators=[PHONE_VALIDATOR]
    )
    referrer_email = forms.EmailField(label="Referrer's email", required=False)
    reason = forms.CharField(
        label="Reason for referral",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )

    PERSON = ("first_name", "last_name", "date_of_birth", "phone", "email", "preferred_language")
    REFERRER = ("referrer_name", "referrer_organization", "referrer_phone", "referrer_email")

    def __init__(self, *args: Any, programs: QuerySet[Program], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "program", programs)

    def clean_date_of_birth(self) -> date | None:
        return _not_future(self.cleaned_data.get("date_of_birth"))


class MoveForm(forms.Form):
    to_stage = forms.ChoiceField(label="Move to")
    reason = forms.CharField(
        label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_stage"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (value, label)
            for value, label in ReferralStage.choices
            if value not in (current, ReferralStage.ADMITTED)
        ]


class LinkPatientForm(forms.Form):
    mrn = forms.CharField(label="Record number of the registered patient", max_length=20)


# A withdrawal fact is yes, no or not asked yet: an unanswered question is never read as "no".
FACT_CHOICES = [("", "Not asked yet"), ("on", "Yes"), ("no", "No")]
FACT_VALUES: dict[str, bool | None] = {"": None, "on": True, "no": False}


class PlacementForm(forms.Form):
    """Six ASAM dimensions (0-4 with evidence), the program criteria facts, conditions, and
    the clinician's decision (only needed when saving)."""

    conditions = forms.MultipleChoiceField(
        label="Conditions treated",
        choices=CONDITION_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    decision = forms.ChoiceField(
        label="Your decision",
        required=False,
        choices=[("accept", "Accept the recommended level"), ("override", "Override it")],
        widget=forms.RadioSelect,
    )
    override_level = forms.ChoiceField(
        label="Level you decide on", required=False, choices=[("", "—"), *LEVEL_CHOICES]
    )
    override_reason = forms.CharField(
        label="Reason for the override",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number, label in DIMENSION_LABELS:
            self.fields[f"d{number}_rating"] = forms.TypedChoiceField(
                label=f"Dimension {number}: {label}",
                choices=[(str(n), str(n)) for n in range(5)],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": f"Rate dimension {number} from 0 to 4."},
            )
            self.fields[f"d{number}_evidence"] = forms.CharField(
                label=f"Evidence for dimension {number}",
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"required": f"Give the evidence for dimension {number}."},
            )
            self.fields[f"d{number}_reason"] = forms.CharField(
                label=f"Reason for changing the proposed rating of dimension {number}",
                required=False,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Needed only when your rating differs from the proposed one.",
            )
        for name in CRITERIA_FIELDS:
            self.fields[name] = forms.BooleanField(label=CRITERIA_LABELS[name], required=False)
        for name in SCREENING_FACT_FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=SCREENING_FACT_LABELS[name], required=False, choices=FACT_CHOICES
            )

    def dimension_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"d{n}_rating"], self[f"d{n}_evidence"]) for n, _ in DIMENSION_LABELS]

    def dimension_rows(self, proposal: Proposal | None) -> list[dict[str, Any]]:
        """Per dimension: its fields and the proposal from the evidence (None if none)."""
        return [
            {
                "rating": self[f"d{n}_rating"],
                "evidence": self[f"d{n}_evidence"],
                "reason": self[f"d{n}_reason"],
                "proposed": proposal.dimension(Dimension(n)) if proposal is not None else None,
            }
            for n, _ in DIMENSION_LABELS
        ]

    @staticmethod
    def initial_from(proposal: Proposal, conditions: list[str]) -> dict[str, Any]:
        """Pre-fill each dimension with its proposed rating and evidence."""
        initial: dict[str, Any] = {"conditions": conditions}
        for d in proposal.dimensions:
            if d.rating is not None:
                initial[f"d{int(d.dimension)}_rating"] = str(d.rating)
            if d.evidence:
                initial[f"d{int(d.dimension)}_evidence"] = d.summary
        return initial

    def criteria_fields(self, names: tuple[str, ...]) -> list[forms.BoundField]:
        return [self[name] for name in names]

    def assessment(self) -> Assessment:
        data = self.cleaned_data
        return Assessment(
            ratings={
                n: (data[f"d{n}_rating"], data[f"d{n}_evidence"]) for n, _ in DIMENSION_LABELS
            },
            criteria={name: bool(data.get(name)) for name in CRITERIA_FIELDS},
            conditions=frozenset(data.get("conditions") or []),
            screening_facts={
                name: FACT_VALUES[data.get(name) or ""] for name in SCREENING_FACT_FIELDS
            },
            change_reasons={
                n: data.get(f"d{n}_reason") or ""
                for n, _ in DIMENSION_LABELS
                if (data.get(f"d{n}_reason") or "").strip()
            },
        )

    def check_decision(self) -> bool:
        """For a save: a decision is chosen, and an override names a level and a reason."""
        data = self.cleaned_data
        if data.get("decision") not in ("accept", "override"):
            self.add_error("decision", "Accept the recommendation or override it.")
            return False
        if data["decision"] == "override":
            if not data.get("override_level"):
                self.add_error("override_level", "Choose the level you decide on.")
            if len((data.get("override_reason") or "").strip()) < 10:
                self.add_error(
                    "override_reason", "An override needs a reason (at least 10 characters)."
                )
        return not self.errors


IOP_FIT = CRITERIA_FIELDS[:6]
INPATIENT = tuple(f for f in CRITERIA_FIELDS if f not in IOP_FIT)


def grid_field_name(weekday: int, block: str) -> str:
    return f"avail_{weekday}_{block}"


class AvailabilityGridMixin(forms.Form):
    """A checkbox for each standard block (morning, afternoon, evening) of each weekday."""

    weekdays = WEEKDAYS

    def add_grid(self, initial: set[tuple[int, str]]) -> None:
        for block in BLOCK_TIMES:
            for day in range(7):
                self.fields[grid_field_name(day, block)] = forms.BooleanField(
                    label=f"{WEEKDAYS[day]} {Block(block).label.split()[0].lower()}",
                    required=False,
                    initial=(day, block) in initial,
                )

    def grid_rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (Block(block).label, [self[grid_field_name(d, block)] for d in range(7)])
            for block in BLOCK_TIMES
        ]

    def blocks(self) -> set[tuple[int, str]]:
        return {
            (d, block)
            for block in BLOCK_TIMES
            for d in range(7)
            if self.cleaned_data.get(grid_field_name(d, block))
        }


class AvailabilityForm(AvailabilityGridMixin):
    def __init__(self, *args: Any, initial_blocks: set[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_grid(initial_blocks)


MAX_WEEKLY_HOURS = Decimal("40")  # the most a track's weekly hours may be set to at admission


class AdmitForm(AvailabilityGridMixin):
    """Tracks of one program, each with its required weekly hours (default: the track
    minimum), start date, primary counselor, hours-change reason and availability."""

    starts_on = forms.DateField(label="Start date", widget=DateInput())
    primary_counselor = StaffChoiceField(queryset=User.objects.none())
    hours_change_reason = forms.CharField(
        label="Reason for changed weekly hours",
        required=False,
        max_length=500,
        help_text="Required only if you change a track's weekly hours.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    notice = forms.ChoiceField(
        label="42 CFR Part 2 notice given",
        choices=NoticeMethod.choices,
        widget=forms.RadioSelect,
        help_text="How the patient was given the program's privacy notice (42 CFR 2.22).",
    )
    notice_acknowledged = forms.BooleanField(label="Acknowledged by the patient", required=False)

    def __init__(
        self,
        *args: Any,
        tracks: list[Track],
        counselors: QuerySet[User],
        initial_blocks: set[tuple[int, str]],
        adolescent: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.tracks = tracks
        set_queryset(self, "primary_counselor", counselors)
        self.fields["starts_on"].initial = timezone.localdate()
        for track in tracks:
            least = track.min_weekly_hours
            if adolescent is not None:
                # ASAM Level 2.1: never below 9 h for adults, 6 h for adolescents.
                floor = admission_minimum_minutes(int(least * 60), adolescent=adolescent)
                least = max(least, (Decimal(floor) / 60).quantize(Decimal("0.1")))
            self.fields[f"track_{track.pk}"] = forms.BooleanField(
                label=f"{track.name} (ages {track.min_age}-{track.max_age})", required=False
            )
            self.fields[f"hours_{track.pk}"] = forms.DecimalField(
                label=f"Weekly hours for {track.name}",
                min_value=Decimal("0.5"),
                max_value=MAX_WEEKLY_HOURS,
                decimal_places=1,
                initial=least,
                required=False,
                help_text=f"At least {least.normalize():f} h a week",
            )
        self.add_grid(initial_blocks)

    def track_rows(self) -> list[tuple[Track, forms.BoundField, forms.BoundField]]:
        return [(t, self[f"track_{t.pk}"], self[f"hours_{t.pk}"]) for t in self.tracks]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [t for t in self.tracks if data.get(f"track_{t.pk}")]
        if not chosen:
            raise forms.ValidationError("Choose at least one track.")
        for track in chosen:
            if data.get(f"hours_{track.pk}") is None and f"hours_{track.pk}" not in self.errors:
                self.add_error(f"hours_{track.pk}", "Give the weekly hours for this track.")
        return data

    def draft_tracks(self) -> list[tuple[Track, Decimal]]:
        """The tracks ticked so far with their hours, read from the data as it stands, valid
        or not: for the availability warning. Hours that are not a number, or outside
        0-40 h (the field's maximum), count as the default; the form's own validation still
        refuses them (422)."""
        chosen: list[tuple[Track, Decimal]] = []
        for track in self.tracks:
            if not self.is_bound or not self.data.get(f"track_{track.pk}"):
                continue
            field = self.fields[f"hours_{track.pk}"]
            default = Decimal(str(field.initial))
            try:
                hours = Decimal(str(self.data.get(f"hours_{track.pk}") or ""))
            except ArithmeticError:
                hours = default
            if not hours.is_finite() or not 0 < hours <= MAX_WEEKLY_HOURS:
                hours = default
            chosen.append((track, hours))
        return chosen

    def draft_blocks(self) -> set[tuple[int, str]]:
        """The grid as it stands (the initial grid when unbound), valid or not."""
        return {
            (d, block)
            for block in BLOCK_TIMES
            for d in range(7)
            if (
                self.data.get(grid_field_name(d, block))
                if self.is_bound
                else self.fields[grid_field_name(d, block)].initial
            )
        }

    def chosen_tracks(self) -> list[tuple[Track, Decimal]]:
        result: list[tuple[Track, Decimal]] = []
        for track in self.tracks:
            if self.cleaned_data.get(f"track_{track.pk}"):
                hours = self.cleaned_data.get(f"hours_{track.pk}")
                if isinstance(hours, Decimal):
                    result.append((track, hours))
        return result


class SafetyTaskAssignForm(forms.Form):
    assignee = StaffChoiceField(label="Assign to", queryset=User.objects.none())

    def __init__(self, *args: Any, clinicians: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "assignee", clinicians)


class SafetyTaskCompleteForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: risk evaluated, safety plan made, crisis team contacted.",
    )


_DEFAULT_POLICY = PlacementPolicy()
_DEFAULT_LEVELS = dimension_levels_table(_DEFAULT_POLICY.dimension_levels)


class PolicyForm(forms.Form):
    """A program's clinical-policy thresholds. Blank = the default shown."""

    cows_withdrawal_management_min = forms.TypedChoiceField(
        label="COWS band from which withdrawal management comes first",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", f"Default: {COWS_BAND_STARTS[25][1].lower()} and above"),
            *((str(low), f"{label} and above") for low, (_, label) in COWS_BAND_STARTS.items()),
        ],
        help_text="A program choice: no published source ties COWS to a level of care. The "
        "bands are the published ones the screening page shows (Wesson & Ling 2003).",
    )
    cows_rule_off = forms.BooleanField(label="Turn the COWS rule off", required=False)
    d1_withdrawal_management_min_rating = forms.IntegerField(
        label="Dimension 1 rating at or above this: withdrawal management first",
        required=False,
        min_value=1,
        max_value=4,
        help_text=f"Default {_DEFAULT_POLICY.d1_withdrawal_management_min_rating}.",
    )
    residential_min_inpatient_facts = forms.IntegerField(
        label="Inpatient criteria needed for a residential floor",
        required=False,
        min_value=1,
        max_value=7,
        help_text=f"Default {_DEFAULT_POLICY.residential_min_inpatient_facts}.",
    )
    adult_age = forms.IntegerField(
        label="Adolescent track below this age",
        required=False,
        min_value=12,
        max_value=26,
        help_text=f"Default {_DEFAULT_POLICY.adult_age}.",
    )
    iop_need_facts_raise_outpatient = forms.ChoiceField(
        label="Step-down, relapse or co-occurring raise outpatient to IOP",
        required=False,
        choices=[("", "Default (yes)"), ("yes", "Yes"), ("no", "No")],
    )
    adolescent_track_replaces_adult_tracks = forms.ChoiceField(
        label="Adolescent track replaces adult tracks",
        required=False,
        choices=[("", "Default (yes)"), ("yes", "Yes"), ("no", "No")],
    )
    pcl5_probable_ptsd_at = forms.IntegerField(
        label="PCL-5 probable-PTSD cut-off",
        required=False,
        min_value=1,
        max_value=80,
        help_text="Default 33 (the literature gives 31-33 by population).",
    )
    SCALARS = (
        "cows_withdrawal_management_min",
        "d1_withdrawal_management_min_rating",
        "residential_min_inpatient_facts",
        "adult_age",
    )
    BOOLEANS = ("iop_need_facts_raise_outpatient", "adolescent_track_replaces_adult_tracks")

    @classmethod
    def initial_from(
        cls, placement: dict[str, Any], screening: dict[str, dict[str, int]]
    ) -> dict[str, Any]:
        initial: dict[str, Any] = {k: placement[k] for k in cls.SCALARS if k in placement}
        if (
            "cows_withdrawal_management_min" in placement
            and placement["cows_withdrawal_management_min"] is None
        ):
            initial["cows_rule_off"] = True
        for name in cls.BOOLEANS:
            if name in placement:
                initial[name] = "yes" if placement[name] else "no"
        if "probable_ptsd_at" in screening.get("pcl5", {}):
            initial["pcl5_probable_ptsd_at"] = screening["pcl5"]["probable_ptsd_at"]
        for key, rating in (placement.get("evidence_ratings") or {}).items():
            initial[evidence_field(key)] = rating
        table = placement.get("dimension_levels")
        for number, row in (table if isinstance(table, dict) else _DEFAULT_LEVELS).items():
            for rating, level in enumerate(row if isinstance(row, list) else []):
                initial[level_field(int(number), rating)] = level
        return initial

    def overrides(self) -> tuple[dict[str, Any], dict[str, dict[str, int]]]:
        data = self.cleaned_data
        placement: dict[str, Any] = {k: data[k] for k in self.SCALARS if data.get(k) is not None}
        if data.get("cows_rule_off"):
            placement["cows_withdrawal_management_min"] = None
        for name in self.BOOLEANS:
            if data.get(name) in ("yes", "no"):
                placement[name] = data[name] == "yes"
        screening: dict[str, dict[str, int]] = {}
        if data.get("pcl5_probable_ptsd_at") is not None:
            screening["pcl5"] = {"probable_ptsd_at": data["pcl5_probable_ptsd_at"]}
        ratings = {
            row.key: data[evidence_field(row.key)]
            for row in EVIDENCE_ROWS
            if data.get(evidence_field(row.key)) is not None
        }
        if ratings:
            placement["evidence_ratings"] = ratings
        # The dimension table: all blank (not sent) = the default; the default table itself is
        # not stored, so the program follows the default. Anything else goes to the domain as
        # sent, which refuses an incomplete or decreasing table naming the dimension.
        table = {
            str(int(d)): [data.get(level_field(int(d), r)) or "" for r in RATINGS]
            for d in Dimension
        }
        if any(any(row) for row in table.values()) and table != _DEFAULT_LEVELS:
            placement["dimension_levels"] = table
        return placement, screening

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in EVIDENCE_ROWS:
            self.fields[evidence_field(row.key)] = forms.IntegerField(
                label=row.label,
                required=False,
                min_value=0,
                max_value=4,
                help_text=f"Default {row.default}.",
            )
        choices = [(level.value, level.value) for level in LevelOfCare]
        for dimension in Dimension:
            for rating in RATINGS:
                # Any text passes the form: the domain checks the level and names the dimension.
                self.fields[level_field(int(dimension), rating)] = forms.CharField(
                    label=f"Dimension {int(dimension)}, rating {rating}",
                    required=False,
                    widget=forms.Select(choices=choices),
                )

    def dimension_rows(self) -> list[tuple[int, str, list[tuple[forms.BoundField, str]]]]:
        """(dimension, its name, [(field, default level) for ratings 0-4]) for the table."""
        return [
            (
                int(d),
                d.label,
                [(self[level_field(int(d), r)], _DEFAULT_LEVELS[str(int(d))][r]) for r in RATINGS],
            )
            for d in Dimension
        ]

    def evidence_fields(self) -> list[tuple[int, forms.BoundField, str]]:
        """(dimension, field, source of the band) for each row of the evidence table."""
        return [
            (int(row.dimension), self[evidence_field(row.key)], row.source) for row in EVIDENCE_ROWS
        ]


def level_field(dimension: int, rating: int) -> str:
    """The form field of one cell of the dimension-to-level table."""
    return f"level_d{dimension}_r{rating}"


def evidence_field(key: str) -> str:
    """The form field of an evidence-table row."""
    return "evidence_" + key.replace("-", "_").replace(".", "__")


YES_NO = [("yes", "Yes"), ("no", "No")]


def _question(label: str, help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=YES_NO,
        widget=forms.RadioSelect,
        help_text=help_text,
        error_messages={"required": "Choose yes or no."},
    )


class SelfCheckForm(forms.Form):
    """The public self-check: plain questions mapped to the program criteria.

    Nothing posted here is stored, logged or put in the session."""

    for_whom = forms.ChoiceField(
        label="Who are you asking for?",
        choices=[("me", "Myself"), ("other", "Someone I care about")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who you are asking for."},
    )
    under_18 = _question("Is the person under 18?")
    danger_now = _question(
        "Is anyone in danger right now, or thinking about ending their life or hurting "
        "themselves or someone else?"
    )
    dangerous_withdrawal = _question(
        "When stopping alcohol or drugs, has the person had seizures, hallucinations, "
        "confusion or severe shaking?"
    )
    needs_supervision = _question(
        "Does the person need someone with them day and night to stay safe?"
    )
    serious_conditions = _question(
        "Does the person have a serious medical or mental-health condition that needs care "
        "around the clock?"
    )
    unsafe_home = _question(
        "Would home make recovery very hard (for example others using there, no stable place "
        "to live)?"
    )
    severe_use = _question(
        "Is the use severe, for example needing much more than before to feel an effect, or "
        "using most of the day?"
    )
    must_keep_obligations = _question(
        "Does the person need to keep working, going to school or caring for family?"
    )
    has_support = _question("Are there family members or friends who support recovery?")
    stepping_down = _question(
        "Is the person leaving (or did they recently leave) a hospital, residential program "
        "or detox?"
    )
    tried_before = _question("Has the person stopped before and then started again?")
    mental_and_substance = _question(
        "Is there both a mental-health concern and alcohol or drug use?"
    )

    def yes(self, name: str) -> bool:
        return self.cleaned_data.get(name) == "yes"
