"""An emergency disclosure and the breach log in the demo: one closed entry found to be of low probability of compromise,
and one open breach of three people whose annual notice to HHS is still to come. Written
directly (the demo may date entries in the past); no patient names in the log."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from openiop.accounts.models import User
from openiop.core.policy import Action, roles_for
from openiop.organization.models import Organization
from openiop.patients.models import Patient
from openiop.privacy.models import Breach, BreachOutcome, Channel, Disclosure


def _at(day: date) -> datetime:
    return datetime.combine(day, time(16, 0), tzinfo=UTC)


def extend_demo(*, org: Organization, rng: random.Random, today: date) -> None:
    _emergency(org=org, rng=rng, today=today)
    _breaches(org=org, rng=rng, today=today)


def _emergency(*, org: Organization, rng: random.Random, today: date) -> None:
    """One disclosure in a medical emergency (42 CFR 2.51): a counselor told the emergency
    department about a patient's recent use after the patient collapsed in group."""
    clinician = (
        User.objects.filter(
            organization=org, role__in=roles_for(Action.EMERGENCY_DISCLOSE), is_active=True
        )
        .order_by("pk")
        .first()
    )
    patient = Patient.objects.filter(organization=org).order_by("pk").first()
    if (
        clinician is None
        or patient is None
        or Disclosure.objects.filter(organization=org, emergency=True).exists()
    ):
        return
    day = today - timedelta(days=5 + rng.randrange(10))
    Disclosure.objects.create(
        organization=org,
        patient=patient,
        channel=Channel.EMERGENCY,
        recipient_kind="treating_provider",
        recipient_name="Dr. Amara Osei (St. Vincent Emergency Department)",
        purpose="treatment",
        data=["demographics", "diagnosis", "drug_screens"],
        description="Substances used in the last 48 hours and the latest drug screen",
        made_at=datetime.combine(day, time(19, 40), tzinfo=UTC),
        made_by=clinician,
        emergency=True,
        emergency_personnel="Dr. Amara Osei",
        emergency_affiliation="St. Vincent Emergency Department",
        emergency_nature="Collapsed during evening group; unresponsive, suspected overdose.",
    )


def _breaches(*, org: Organization, rng: random.Random, today: date) -> None:
    officer = (
        User.objects.filter(
            organization=org, role__in=roles_for(Action.BREACH_MANAGE), is_active=True
        )
        .order_by("pk")
        .first()
    )
    if officer is None or Breach.objects.filter(organization=org).exists():
        return
    fax_day = today - timedelta(days=40 + rng.randrange(10))
    Breach.objects.create(
        organization=org,
        discovered_on=fax_day,
        occurred_on=fax_day,
        summary="Attendance letter faxed to the wrong number",
        information_involved="One proof-of-attendance letter: name, dates and hours attended.",
        people_affected=1,
        largest_state_count=1,
        factor_nature="Name and attendance dates of one patient; no diagnosis, no notes.",
        factor_recipient="A dental office (a covered entity bound by HIPAA) one digit away "
        "from the employer's fax number.",
        factor_acquired="The office called the same hour; the page was not read beyond the "
        "heading.",
        factor_mitigation="The page was retrieved the same day and the office confirmed in "
        "writing that no copy was kept.",
        outcome=BreachOutcome.LOW_PROBABILITY,
        closed_on=fax_day + timedelta(days=2),
        reported_by=officer,
        recorded_at=_at(fax_day),
        updated_at=_at(fax_day + timedelta(days=2)),
    )
    lost_day = today - timedelta(days=20 + rng.randrange(5))
    Breach.objects.create(
        organization=org,
        discovered_on=lost_day,
        occurred_on=lost_day - timedelta(days=1),
        summary="Group sign-in sheet left on the bus",
        information_involved="First names, last initials and the group's name for one evening.",
        people_affected=3,
        largest_state_count=3,
        factor_nature="Names of three patients with the name of a substance use group: "
        "reveals that they are in treatment.",
        factor_recipient="Unknown: the sheet was not found.",
        factor_acquired="Cannot be ruled out.",
        factor_mitigation="Sign-in sheets no longer leave the building; the three patients "
        "were told.",
        outcome=BreachOutcome.BREACH,
        individuals_notified_on=lost_day + timedelta(days=6),
        reported_by=officer,
        recorded_at=_at(lost_day),
        updated_at=_at(lost_day + timedelta(days=6)),
    )
