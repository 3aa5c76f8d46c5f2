"""Forms of the locator: public search, cost estimate and referral request; administrator's
import upload, program listing and fee schedule."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from openiop.domain.costing import FeeSchedule, Insurance
from openiop.domain.costing.insurance import MAX_COPAY_PER_DAY, MAX_PLAN_YEAR_AMOUNT
from openiop.locator import antispam, geo
from openiop.locator.codes import LANGUAGES, CareType, Condition, Payment, Population
from openiop.locator.selectors import DEFAULT_RADIUS_MILES, MAX_RADIUS_MILES, SearchParams

ANY = [("", "Any")]
RADIUS_CHOICES = [(str(m), f"{m} miles") for m in (5, 10, 25, 50, 100, 250)]


class SearchForm(forms.Form):
    """Public search. A ZIP code and filters are not personal data, so this is a GET form."""

    zip = forms.CharField(
        label="ZIP code",
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    radius_miles = forms.TypedChoiceField(
        label="Within",
        choices=RADIUS_CHOICES,
        coerce=float,
        initial=str(int(DEFAULT_RADIUS_MILES)),
        required=False,
    )
    care_type = forms.ChoiceField(
        label="Type of care", choices=ANY + CareType.choices(), required=False
    )
    condition = forms.ChoiceField(label="Treats", choices=ANY + Condition.choices(), required=False)
    population = forms.ChoiceField(
        label="Serves", choices=ANY + Population.choices(), required=False
    )
    payment = forms.ChoiceField(label="Accepts", choices=ANY + Payment.choices(), required=False)
    language = forms.ChoiceField(label="Language", choices=ANY + LANGUAGES, required=False)
    evenings = forms.BooleanField(label="Evening groups", required=False)
    weekends = forms.BooleanField(label="Weekend groups", required=False)
    telehealth = forms.BooleanField(label="Telehealth", required=False)
    accepting = forms.BooleanField(label="Accepting new patients", required=False)

    def clean_zip(self) -> str:
        text = str(self.cleaned_data["zip"])
        if geo.normalize_zip(text) is None:
            raise forms.ValidationError("Enter a 5-digit US ZIP code such as 01608.")
        if geo.zip_place(text) is None:
            raise forms.ValidationError(f"{text.strip()} is not a ZIP code we know.")
        return text.strip()

    def params(self) -> SearchParams:
        data = self.cleaned_data
        place = geo.zip_place(data["zip"])
        assert place is not None
        return SearchParams(
            latitude=place.latitude,
            longitude=place.longitude,
            radius_miles=min(MAX_RADIUS_MILES, data.get("radius_miles") or DEFAULT_RADIUS_MILES),
            care_type=data.get("care_type", ""),
            condition=data.get("condition", ""),
            population=data.get("population", ""),
            payment=data.get("payment", ""),
            language=data.get("language", ""),
            evenings=bool(data.get("evenings")),
            weekends=bool(data.get("weekends")),
            telehealth=bool(data.get("telehealth")),
            accepting=bool(data.get("accepting")),
        )


def money(label: str, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    """A non-negative amount in dollars and cents."""
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        min_value=Decimal("0"),
        max_digits=9,
        decimal_places=2,
    )


def plan_amount(
    label: str, *, high: Decimal, required: bool = False, help_text: str = ""
) -> forms.DecimalField:
    """A plan term of the cost estimate in dollars and cents, from $0 to `high` (an input
    sanity bound, `openiop.domain.costing.insurance`), refused with a sentence giving the
    range."""
    sentence = f"Give an amount from $0 to ${high:,.0f}."
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        min_value=Decimal("0"),
        max_value=high,
        decimal_places=2,
        error_messages={
            "invalid": "Give an amount in dollars, such as 1500 or 1500.50.",
            "min_value": sentence,
            "max_value": sentence,
            "max_digits": sentence,
            "max_whole_digits": sentence,
            "max_decimal_places": "Give dollars and cents: at most 2 decimal places.",
        },
    )


class CostEstimateForm(forms.Form):
    """Public cost estimate. Posted (not GET), so that choices such as "eating disorders"
    never appear in a URL or a server log."""

    days_per_week = forms.IntegerField(
        label="Program days a week", min_value=1, max_value=7, initial=3
    )
    weeks = forms.IntegerField(label="Number of weeks", min_value=1, max_value=52, initial=6)
    population = forms.ChoiceField(label="Program for")
    services = forms.MultipleChoiceField(
        label="Extra services", required=False, widget=forms.CheckboxSelectMultiple
    )
    amenities = forms.MultipleChoiceField(
        label="Amenities", required=False, widget=forms.CheckboxSelectMultiple
    )
    location_cost_index = forms.DecimalField(
        label="Location cost index",
        min_value=Decimal("0.25"),
        max_value=Decimal("4"),
        decimal_places=2,
        initial=Decimal("1.00"),
        required=False,
        help_text="1.00 = national average. Leave it if unsure.",
    )
    payer = forms.ChoiceField(
        label="How will the program be paid?",
        choices=[("self_pay", "I will pay myself"), ("insurance", "Health insurance")],
        widget=forms.RadioSelect,
        initial="self_pay",
    )
    deductible_remaining = plan_amount("Deductible left this year ($)", high=MAX_PLAN_YEAR_AMOUNT)
    coinsurance_percent = forms.DecimalField(
        label="Coinsurance (%)",
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        decimal_places=2,
    )
    copay_per_day = plan_amount("Copay per program day ($)", high=MAX_COPAY_PER_DAY)
    out_of_pocket_max_remaining = plan_amount(
        "Out-of-pocket maximum left this year ($)",
        high=MAX_PLAN_YEAR_AMOUNT,
        help_text="Leave empty if you do not know.",
    )

    def __init__(self, *args: Any, schedule: FeeSchedule, program_set: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        population = self.fields["population"]
        assert isinstance(population, forms.ChoiceField)
        population.choices = [
            (key, key.replace("_", " ").capitalize()) for key in schedule.population_multipliers
        ]
        services = self.fields["services"]
        assert isinstance(services, forms.MultipleChoiceField)
        services.choices = [(key, item.label) for key, item in schedule.services.items()]
        amenities = self.fields["amenities"]
        assert isinstance(amenities, forms.MultipleChoiceField)
        amenities.choices = [(key, item.label) for key, item in schedule.amenities.items()]
        if not schedule.amenities:
            del self.fields["amenities"]
        if program_set:
            del self.fields["location_cost_index"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        cost_sharing = ("deductible_remaining", "coinsurance_percent", "copay_per_day")
        if data.get("payer") == "insurance" and all(data.get(k) is None for k in cost_sharing):
            self.add_error(
                "deductible_remaining",
                "Give at least your deductible, coinsurance or copay, or choose self-pay.",
            )
        return data

    def insurance(self) -> Insurance | None:
        data = self.cleaned_data
        if data.get("payer") != "insurance":
            return None
        zero = Decimal("0.00")
        return Insurance(
            deductible_remaining=(data.get("deductible_remaining") or zero).quantize(zero),
            coinsurance=(data.get("coinsurance_percent") or Decimal(0)) / 100,
            copay_per_day=(data.get("copay_per_day") or zero).quantize(zero),
            out_of_pocket_max_remaining=(
                data["out_of_pocket_max_remaining"].quantize(zero)
                if data.get("out_of_pocket_max_remaining") is not None
                else None
            ),
        )


WHO_CHOICES = [
    ("self", "Myself"),
    ("family", "A family member or friend"),
    ("physician", "My patient (I am a clinician)"),
]
CONSENT_TEXT = (
    "I agree that the program I chose may store what I wrote here and contact the person "
    "named (or me, for them) by phone or email about starting treatment. I understand that "
    "this request is not treatment and not an emergency service: in a crisis, call or text 988 "
    "or call 911."
)


class ReferralForm(forms.Form):
    """A public referral request: few fields, the consent statement shown and stored verbatim."""

    facility = forms.IntegerField(widget=forms.HiddenInput)
    who = forms.ChoiceField(label="Who needs care?", choices=WHO_CHOICES, widget=forms.RadioSelect)
    first_name = forms.CharField(label="Their first name", max_length=100)
    last_name = forms.CharField(label="Their last name", max_length=100)
    phone = forms.CharField(
        label="Phone number to reach them",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label="Email", required=False)
    preferred_language = forms.ChoiceField(
        label="Preferred language", choices=LANGUAGES, initial="english", required=False
    )
    referrer_name = forms.CharField(
        label="Your name (if you ask for someone else)", max_length=200, required=False
    )
    referrer_organization = forms.CharField(
        label="Your practice or organization (clinicians)", max_length=200, required=False
    )
    referrer_phone = forms.CharField(label="Your phone", max_length=30, required=False)
    reason = forms.CharField(
        label="Anything the program should know first (optional)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent = forms.BooleanField(label="I agree to the statement above")
    # form_token (antispam.issue_token) is rendered by the view, fresh on every render
    website = forms.CharField(  # the honeypot: hidden from people, see antispam.py
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("phone") and not data.get("email"):
            self.add_error("phone", "Give a phone number or an email so the program can reply.")
        if data.get("who") in ("family", "physician") and not data.get("referrer_name"):
            self.add_error("referrer_name", "Tell the program who you are.")
        phone = data.get("phone") or ""
        if phone and sum(ch.isdigit() for ch in phone) < 10:
            self.add_error("phone", "Enter a phone number with its area code.")
        return data

    def verdict(self) -> antispam.Verdict:
        return antispam.check(
            str(self.data.get("form_token", "")), str(self.data.get("website", ""))
        )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Facility file (CSV)",
        help_text=(
            "A CSV file with a header row: each facility's id, name, city, state, ZIP code and "
            "N-SUMHSS service codes, and optionally its address, phone, website, openings, "
            "evening and weekend hours (the column names are in the import guide)."
        ),
    )


class ListingForm(forms.Form):
    published = forms.BooleanField(
        label="Show this program in the public directory", required=False
    )
    payments = forms.MultipleChoiceField(
        label="Payments accepted", choices=Payment.choices(), widget=forms.CheckboxSelectMultiple
    )
    languages = forms.MultipleChoiceField(
        label="Languages groups are held in", choices=LANGUAGES, widget=forms.CheckboxSelectMultiple
    )
    telehealth = forms.BooleanField(label="Telehealth groups offered", required=False)
    extra_care_types = forms.MultipleChoiceField(
        label="Other care types offered here",
        choices=[c for c in CareType.choices() if c[0] != CareType.INTENSIVE_OUTPATIENT.key],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    extra_populations = forms.MultipleChoiceField(
        label="Special groups served",
        choices=[
            (Population.VETERANS.key, Population.VETERANS.label),
            (Population.LGBTQ.key, Population.LGBTQ.label),
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    phone = forms.CharField(
        label="Intake phone (default: the site's phone)", max_length=40, required=False
    )
    website = forms.URLField(
        label="Web page", max_length=300, required=False, assume_scheme="https"
    )


class FeeForm(forms.Form):
    daily_rate_low = money("Daily rate, low ($)")
    daily_rate_high = money("Daily rate, high ($)")
    daily_rate_expected = money(
        "Daily rate, expected ($)", required=False, help_text="Empty: the midpoint."
    )
    location_cost_index = forms.DecimalField(
        label="Location cost index",
        min_value=Decimal("0.25"),
        max_value=Decimal("4"),
        decimal_places=2,
        initial=Decimal("1.00"),
        help_text="1.00 when these prices are already your local prices.",
    )

    def __init__(
        self, *args: Any, services: dict[str, str], populations: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.service_keys = list(services)
        self.population_keys = list(populations)
        for key, label in services.items():
            self.fields[f"service_{key}"] = money(
                f"{label}: price per week ($)",
                required=False,
                help_text="Empty or 0: included in the daily rate.",
            )
        for key in populations:
            self.fields[f"population_{key}"] = forms.DecimalField(
                label=f"Rate multiplier for {key.replace('_', ' ')}",
                required=False,
                min_value=Decimal("0.01"),
                max_value=Decimal("5"),
                decimal_places=2,
                help_text="Empty: 1.00 (no adjustment).",
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high, expected = (
            data.get("daily_rate_low"),
            data.get("daily_rate_high"),
            data.get("daily_rate_expected"),
        )
        if low is not None and high is not None and low > high:
            self.add_error("daily_rate_high", "The high rate must be at least the low rate.")
        elif (
            expected is not None
            and low is not None
            and high is not None
            and not low <= expected <= high
        ):
            self.add_error(
                "daily_rate_expected", "The expected rate must lie between low and high."
            )
        return data
