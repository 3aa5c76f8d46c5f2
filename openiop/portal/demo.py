"""The portal in the demo: one patient portal account with a week of daily check-ins, one
family member invited under the patient's consent, and family education evenings.

Like the staff logins (see `openiop.core.demo`), the passwords and TOTP keys are drawn from
the operating system's random source, never from the seed, and returned once for printing.
"""

from __future__ import annotations

import random
import secrets
import zoneinfo
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from openiop.accounts.models import User
from openiop.core import policy
from openiop.core.policy import Action
from openiop.intake.models import Admission
from openiop.organization.models import Organization, Program
from openiop.patients.models import Patient
from openiop.portal.models import AccountKind, DailyCheckIn, FamilyEvent, PortalAccount
from openiop.privacy.models import Consent
from openiop.scheduling.models import GroupSession, SessionStatus

PATIENT_USERNAME = "portal.patient"
FAMILY_USERNAME = "portal.family"
FAMILY_RELATIONS = (("Rosa", "sister"), ("Daniel", "brother"), ("Teresa", "mother"))


def _portal_user(
    username: str, kind: str, org: Organization, first: str, password: str
) -> tuple[User, str]:
    user = User(
        username=username,
        first_name=first,
        role=policy.portal_role(kind),
        organization=org,
        email=f"{username}@example.org",
    )
    user.set_password(password)
    user.save()
    key = secrets.token_hex(20)
    TOTPDevice.objects.create(user=user, name="Authenticator app", key=key, confirmed=True)
    return user, key


def _demo_patient(org: Organization, today: date) -> Patient | None:
    """An adult admitted patient with groups this week and next and a consent for treatment,
    payment and operations in effect."""
    monday = today - timedelta(days=today.weekday())
    start = timezone.make_aware(datetime.combine(monday, time(0)))
    end = start + timedelta(days=14)
    with_groups = (
        GroupSession.objects.filter(
            organization=org,
            status=SessionStatus.SCHEDULED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .values_list("assignments__patient", flat=True)
        .distinct()
    )
    admitted = Admission.objects.filter(patient__organization=org).values_list("patient", flat=True)
    consented = Consent.objects.filter(
        patient__organization=org, kind="tpo", revoked_at__isnull=True
    ).values_list("patient", flat=True)
    try:
        adult_born_before = today.replace(year=today.year - 21)
    except ValueError:  # 29 February
        adult_born_before = today.replace(year=today.year - 21, day=28)
    return (
        Patient.objects.filter(
            pk__in=with_groups, date_of_birth__lt=adult_born_before, site__isnull=False
        )
        .filter(pk__in=admitted)
        .filter(pk__in=consented)
        .order_by("pk")
        .first()
    )


def _check_ins(patient: Patient, user: User, rng: random.Random, today: date) -> None:
    zone = zoneinfo.ZoneInfo(patient.site.timezone)
    rows = []
    for back in range(7, 0, -1):
        day = today - timedelta(days=back)
        progress = (7 - back) / 6  # cravings ease and mood lifts over the week
        rows.append(
            DailyCheckIn(
                patient=patient,
                day=day,
                craving=max(0, min(10, round(6 - 3 * progress + rng.choice((-1, 0, 0, 1))))),
                mood=max(1, min(5, round(2 + 2 * progress + rng.choice((-0.4, 0, 0.4))))),
                sleep=rng.choice((3, 3, 4, 4, 2)),
                used=back == 5,
                need_to_talk=False,
                submitted_at=datetime.combine(
                    day, time(rng.randint(19, 21), rng.choice((5, 20, 40))), zone
                ),
                submitted_by=user,
            )
        )
    DailyCheckIn.objects.bulk_create(rows)


def _family_events(org: Organization, staff: User, today: date) -> None:
    """A family education evening every Wednesday, 18:00 to 19:30 local time, for the next
    eight weeks, in every program."""
    events = []
    for program in Program.objects.filter(site__organization=org).select_related("site"):
        zone = zoneinfo.ZoneInfo(program.site.timezone)
        first = today + timedelta(days=(2 - today.weekday()) % 7)
        for week in range(8):
            day = first + timedelta(days=7 * week)
            events.append(
                FamilyEvent(
                    program=program,
                    title="Family education evening",
                    starts_at=datetime.combine(day, time(18, 0), zone),
                    ends_at=datetime.combine(day, time(19, 30), zone),
                    where=f"Community room, {program.site.name}",
                    created_by=staff,
                )
            )
    FamilyEvent.objects.bulk_create(events)


def extend_demo(
    *, org: Organization, rng: random.Random, today: date, make_password: Callable[[], str]
) -> list[tuple[str, str, str, str, str]]:
    """Returns (username, password, role, TOTP key hex, note) for the two portal logins."""
    staff = (
        User.objects.filter(organization=org, role__in=policy.roles_for(Action.PORTAL_MANAGE))
        .order_by("pk")
        .first()
    )
    patient = _demo_patient(org, today)
    if staff is None or patient is None:
        return []
    _family_events(org, staff, today)
    now = timezone.now()
    logins = []
    secret = make_password()
    user, key = _portal_user(PATIENT_USERNAME, AccountKind.PATIENT, org, patient.first_name, secret)
    PortalAccount.objects.create(
        user=user,
        patient=patient,
        kind=AccountKind.PATIENT,
        display_name=patient.first_name,
        created_at=now,
    )
    _check_ins(patient, user, rng, today)
    logins.append(
        (
            PATIENT_USERNAME,
            secret,
            "patient",
            key,
            f"patient portal /portal/login/ ({patient.first_name} {patient.last_name})",
        )
    )
    first, relation = rng.choice(FAMILY_RELATIONS)
    name = f"{first} {patient.last_name} ({relation})"
    signed = today - timedelta(days=6)
    consent = Consent.objects.create(
        organization=org,
        patient=patient,
        kind="named",
        disclosing_party=org.name,
        recipient_kind="family",
        recipient_name=name,
        purpose="family",
        purpose_detail="Family sessions and knowing whether I attend my groups",
        data=["attendance"],
        expires_on=today + timedelta(days=180),
        signer_name=f"{patient.first_name} {patient.last_name}",
        signer_relation="patient",
        signed_on=signed,
        signature_method="screen",
        recorded_by=staff,
        recorded_at=timezone.make_aware(datetime.combine(signed, time(17, 30))),
    )
    secret = make_password()
    family_user, key = _portal_user(FAMILY_USERNAME, AccountKind.FAMILY, org, first, secret)
    PortalAccount.objects.create(
        user=family_user,
        patient=patient,
        kind=AccountKind.FAMILY,
        consent=consent,
        display_name=name,
        created_at=now,
    )
    logins.append(
        (
            FAMILY_USERNAME,
            secret,
            "family",
            key,
            f"family portal /portal/login/ ({name}, under the patient's consent)",
        )
    )
    return logins
