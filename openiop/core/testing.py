# mypy: disable-error-code="attr-defined,no-untyped-call"
"""Test personas and factories shared by every app's tests (ARCHITECTURE.md §8).

Two organizations: A (sites A1 and A2) and B (site B1). Personas are staff users with a
confirmed TOTP device; `login(client, user)` gives a session that has passed MFA.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import factory
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from openiop.accounts.models import Role, User
from openiop.organization.models import (
    Organization,
    Program,
    Room,
    Site,
    StaffProfile,
    Track,
    TrackKind,
)
from openiop.patients.models import Enrollment, Patient

PASSWORD = "correct-horse-battery-staple-42"  # noqa: S105 (test personas only)


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")


class SiteFactory(factory.django.DjangoModelFactory[Site]):
    class Meta:
        model = Site

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    address = "1 Main Street"
    city = "Worcester"
    state = "MA"
    zip_code = "01608"
    timezone = "America/New_York"


class ProgramFactory(factory.django.DjangoModelFactory[Program]):
    class Meta:
        model = Program

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Program {n}")


class TrackFactory(factory.django.DjangoModelFactory[Track]):
    class Meta:
        model = Track

    program = factory.SubFactory(ProgramFactory)
    kind = TrackKind.SUBSTANCE_USE
    name = factory.Sequence(lambda n: f"Track {n}")
    min_weekly_hours = Decimal("9")


class RoomFactory(factory.django.DjangoModelFactory[Room]):
    class Meta:
        model = Room

    site = factory.SubFactory(SiteFactory)
    organization = factory.SelfAttribute("site.organization")
    name = factory.Sequence(lambda n: f"Room {n}")
    capacity = 12


class PatientFactory(factory.django.DjangoModelFactory[Patient]):
    class Meta:
        model = Patient

    site = factory.SubFactory(SiteFactory)
    organization = factory.SelfAttribute("site.organization")
    mrn = factory.Sequence(lambda n: f"{n + 1:07d}")
    first_name = factory.Sequence(lambda n: f"Pat{n}")
    last_name = factory.Sequence(lambda n: f"Example{n}")
    date_of_birth = date(1990, 5, 17)


class EnrollmentFactory(factory.django.DjangoModelFactory[Enrollment]):
    class Meta:
        model = Enrollment

    patient = factory.SubFactory(PatientFactory)
    track = factory.SubFactory(TrackFactory)
    starts_on = date(2026, 11, 2)
    required_weekly_hours = Decimal("9")


def make_staff(
    username: str,
    role: str,
    organization: Organization,
    *,
    sites: list[Site] | None = None,
    programs: list[Program] | None = None,
    **extra: Any,
) -> User:
    user = User(
        username=username,
        role=role,
        organization=organization,
        first_name=username.title(),
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    # Outside a request (service and selector tests) the user counts as past TOTP, as
    # OTPMiddleware marks request.user after the second factor; requests use `login()`.
    user.is_verified = lambda: True  # type: ignore[method-assign]
    profile = StaffProfile.objects.create(user=user)
    profile.sites.set(sites or [])
    profile.programs.set(programs or [])
    return user


def login(client: Client, user: User) -> Client:
    """Log in and mark the session as past TOTP, as the real MFA step does."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = (
        TOTPDevice.objects.filter(user=user, confirmed=True).get().persistent_id
    )
    session.save()
    return client


def login_password_only(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


@dataclass
class World:
    org_a: Organization
    org_b: Organization
    site_a1: Site
    site_a2: Site
    site_b1: Site
    program_a1: Program
    program_a2: Program
    program_b1: Program
    track_a1: Track
    counselor_a1: User
    counselor_a2: User
    director_a: User
    admin_a: User
    billing_a1: User
    frontdesk_a1: User
    intake_a1: User
    peer_a1: User
    counselor_b1: User
    director_b: User
    admin_b: User
    patient_a1: Patient
    patient_a2: Patient
    patient_b1: Patient


def build_world() -> World:
    org_a = OrganizationFactory.create(name="Org A")
    org_b = OrganizationFactory.create(name="Org B")
    site_a1 = SiteFactory.create(organization=org_a, name="A1")
    site_a2 = SiteFactory.create(organization=org_a, name="A2")
    site_b1 = SiteFactory.create(organization=org_b, name="B1")
    program_a1 = ProgramFactory.create(site=site_a1, name="Evening IOP A1")
    program_a2 = ProgramFactory.create(site=site_a2, name="Evening IOP A2")
    program_b1 = ProgramFactory.create(site=site_b1, name="Evening IOP B1")
    track_a1 = TrackFactory.create(program=program_a1, name="SUD A1")
    return World(
        org_a=org_a,
        org_b=org_b,
        site_a1=site_a1,
        site_a2=site_a2,
        site_b1=site_b1,
        program_a1=program_a1,
        program_a2=program_a2,
        program_b1=program_b1,
        track_a1=track_a1,
        counselor_a1=make_staff(
            "counselor_a1", Role.COUNSELOR, org_a, sites=[site_a1], programs=[program_a1]
        ),
        counselor_a2=make_staff(
            "counselor_a2", Role.COUNSELOR, org_a, sites=[site_a2], programs=[program_a2]
        ),
        director_a=make_staff("director_a", Role.CLINICAL_DIRECTOR, org_a, can_break_glass=True),
        admin_a=make_staff("admin_a", Role.ADMINISTRATOR, org_a, sites=[site_a1, site_a2]),
        billing_a1=make_staff("billing_a1", Role.BILLING, org_a, sites=[site_a1]),
        frontdesk_a1=make_staff("frontdesk_a1", Role.FRONT_DESK, org_a, sites=[site_a1]),
        peer_a1=make_staff(
            "peer_a1", Role.PEER_SPECIALIST, org_a, sites=[site_a1], programs=[program_a1]
        ),
        intake_a1=make_staff(
            "intake_a1", Role.INTAKE_COORDINATOR, org_a, sites=[site_a1], can_break_glass=True
        ),
        counselor_b1=make_staff(
            "counselor_b1", Role.COUNSELOR, org_b, sites=[site_b1], programs=[program_b1]
        ),
        director_b=make_staff("director_b", Role.CLINICAL_DIRECTOR, org_b),
        admin_b=make_staff("admin_b", Role.ADMINISTRATOR, org_b, sites=[site_b1]),
        patient_a1=PatientFactory.create(
            site=site_a1, program=program_a1, first_name="Alma", last_name="Quintero", mrn="0000001"
        ),
        patient_a2=PatientFactory.create(
            site=site_a2, program=program_a2, first_name="Bruno", last_name="Okafor", mrn="0000002"
        ),
        patient_b1=PatientFactory.create(
            site=site_b1,
            program=program_b1,
            first_name="Cora",
            last_name="Lindqvist",
            mrn="0000001",
        ),
    )


_RANDOM_TOKENS = re.compile(
    r'(name="csrfmiddlewaretoken" value=")[^"]*|("X-CSRFToken": ")[^"]*|(nonce=")[^"]*'
)


def without_tokens(html: str | bytes) -> str:
    """A page without its random CSRF tokens and script nonces, so that a test asserting that a
    short name ("B1") is absent cannot fail because a random token happens to contain it."""
    text = html.decode() if isinstance(html, bytes) else html
    return _RANDOM_TOKENS.sub(lambda m: next(g for g in m.groups() if g), text)
