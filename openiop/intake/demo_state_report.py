"""State reporting details for the demo's admissions and discharges (the answers the state's
treatment episode report asks for; ``openiop.domain.teds``).

Runs last in the demo, after every admission and discharge exists: plausible details for
every admission of the organization that has none yet (for one admitted without a referral
recorded: who referred and when they first asked), with three left incomplete (no race,
no years of school, or a court-or-employer referral without saying which) so the extract's
validation report has something to show; the discharge-time answers for every discharge
that has none, one of them ending in jail. Bulk inserts; no patient name is used.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from openiop.care.models import Discharge, DischargeType
from openiop.intake import state_reporting_choices as sc
from openiop.intake.models import Admission, ReferralSource, StateReportingDetails
from openiop.organization.models import Organization

INCOMPLETE = 3

_SUBSTANCES = [
    ("alcohol", "oral", 30),
    ("marijuana", "smoking", 14),
    ("other_opioids", "oral", 12),
    ("heroin", "injection", 8),
    ("methamphetamine", "smoking", 10),
    ("cocaine", "inhalation", 8),
    ("benzodiazepines", "oral", 4),
]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _substances(rng: random.Random, age: int) -> list[tuple[str, str, str, int | None]]:
    count = rng.choices([1, 2, 3], weights=[5, 4, 2])[0]
    chosen = rng.sample(_SUBSTANCES, k=len(_SUBSTANCES))
    chosen.sort(key=lambda s: -s[2] * rng.random())
    out: list[tuple[str, str, str, int | None]] = []
    for name, route, _ in chosen[:count]:
        first = min(age, rng.randint(12, 24))
        freq = _pick(rng, [("daily", 5), ("most_days", 3), ("weekly", 2), ("monthly", 1)])
        out.append((name, route, freq, first))
    while len(out) < 3:
        out.append(("none", "", "", None))
    return out


def extend_demo(*, org: Organization, rng: random.Random, today: date) -> None:
    """Fill the details of the organization's admissions and discharges that have none."""
    admissions = list(
        Admission.objects.filter(program__site__organization=org, state_details__isnull=True)
        .select_related("patient", "referral")
        .order_by("pk")
    )
    incomplete = set(
        a.pk for a in rng.sample(admissions, k=min(INCOMPLETE, max(len(admissions) - 1, 0)))
    )
    rows = []
    for n, a in enumerate(admissions):
        p = a.patient
        age = max(a.starts_on.year - p.date_of_birth.year, 12)
        employment = _pick(
            rng,
            [("full_time", 4), ("part_time", 2), ("unemployed", 3), ("not_in_labor_force", 2)],
        )
        subs = _substances(rng, age)
        referral = a.referral
        source = ""
        first_contact = None
        if referral is None:
            # Admitted without a referral recorded: who referred, and when they first asked.
            source = _pick(
                rng,
                [
                    ("self", 5),
                    ("family", 2),
                    ("physician", 3),
                    ("hospital", 1),
                    ("detox", 1),
                    ("court_employer", 2),
                    ("other", 1),
                ],
            )
            first_contact = a.starts_on - timedelta(days=rng.choice([0, 2, 5, 7, 10, 14, 21]))
        else:
            source = referral.source
        detail = ""
        if source == ReferralSource.COURT_EMPLOYER:
            detail = rng.choice(["court", "court", "employer"])
        elif source == ReferralSource.OTHER:
            detail = rng.choice(["community", "school"])
        opioid = any(s[0] in ("heroin", "other_opioids") for s in subs)
        details = StateReportingDetails(
            admission=a,
            first_contact_on=first_contact,
            referral_source=source if referral is None else "",
            referral_detail=detail,
            race=_pick(
                rng,
                [
                    ("white", 55),
                    ("black", 20),
                    ("asian", 5),
                    ("american_indian", 3),
                    ("multiple", 5),
                    ("other", 7),
                    ("pacific_islander", 1),
                ],
            ),
            ethnicity=_pick(
                rng,
                [("not_hispanic", 80), ("mexican", 8), ("puerto_rican", 5), ("other_hispanic", 7)],
            ),
            marital=_pick(
                rng, [("never_married", 5), ("married", 2), ("separated", 1), ("divorced", 2)]
            ),
            veteran=_pick(rng, [("no", 12), ("yes", 1)]) if age >= 18 else "no",
            pregnant=(_pick(rng, [("no", 15), ("yes", 1)]) if p.sex_at_birth == "female" else ""),
            education_years=min(age - 5, rng.choice([10, 11, 12, 12, 12, 13, 14, 16])),
            employment=employment,
            not_in_labor_force=(
                rng.choice(["student", "disabled", "homemaker", "retired"])
                if employment == "not_in_labor_force"
                else ""
            ),
            living=_pick(rng, [("independent", 8), ("dependent", 2), ("homeless", 1)]),
            income=_pick(
                rng, [("wages", 5), ("public_assistance", 2), ("disability", 1), ("none", 2)]
            ),
            insurance=_pick(rng, [("medicaid", 5), ("private", 3), ("medicare", 1), ("none", 1)]),
            payment=_pick(rng, [("medicaid", 5), ("other_insurance", 3), ("self_pay", 1)]),
            prior_episodes=rng.choice([0, 0, 1, 1, 2, 3, 5]),
            substance_1=subs[0][0],
            route_1=subs[0][1],
            frequency_1=subs[0][2],
            first_use_age_1=subs[0][3],
            substance_2=subs[1][0],
            route_2=subs[1][1],
            frequency_2=subs[1][2],
            first_use_age_2=subs[1][3],
            substance_3=subs[2][0],
            route_3=subs[2][1],
            frequency_3=subs[2][2],
            first_use_age_3=subs[2][3],
            opioid_medication="yes" if opioid and rng.random() < 0.6 else "no",
            co_occurring=_pick(rng, [("yes", 2), ("no", 3)]),
            arrests_30d=rng.choice([0, 0, 0, 0, 1]),
            self_help_30d=_pick(
                rng, [("none", 5), ("less_than_weekly", 2), ("weekly", 2), ("twice_weekly", 1)]
            ),
            updated_by_id=a.admitted_by_id or a.primary_counselor_id,
            updated_at=a.admitted_at,
        )
        if a.pk in incomplete:
            # One answer the state requires is missing, as happens at a busy intake.
            gap = n % 3
            if gap == 0:
                details.race = ""
            elif gap == 1:
                details.education_years = None
            else:
                details.substance_1 = ""
                details.route_1 = details.frequency_1 = ""
                details.first_use_age_1 = None
        rows.append(details)
    StateReportingDetails.objects.bulk_create(rows, batch_size=1000)

    discharges = list(
        Discharge.objects.filter(patient__organization=org, employment="", living="").order_by("pk")
    )
    jailed = next((d.pk for d in discharges if d.kind == DischargeType.ADMINISTRATIVE), None)
    for d in discharges:
        finished = d.kind in (DischargeType.COMPLETED, DischargeType.STEPPED_DOWN)
        d.employment = _pick(
            rng,
            [("full_time", 5 if finished else 2), ("part_time", 2), ("unemployed", 2)],
        )
        d.living = _pick(rng, [("independent", 8), ("dependent", 2), ("homeless", 1)])
        d.frequency_1 = _pick(
            rng, [("none", 6 if finished else 2), ("monthly", 2), ("weekly", 1), ("daily", 1)]
        )
        d.arrests_30d = 0 if finished else rng.choice([0, 0, 1])
        d.self_help_30d = _pick(
            rng, [("weekly", 3 if finished else 1), ("twice_weekly", 2), ("none", 2)]
        )
        if d.pk == jailed:
            d.other_ending = sc.OtherEnding.INCARCERATED
    Discharge.objects.bulk_update(
        discharges,
        [
            "employment",
            "living",
            "frequency_1",
            "arrests_30d",
            "self_help_30d",
            "other_ending",
        ],
        batch_size=1000,
    )
