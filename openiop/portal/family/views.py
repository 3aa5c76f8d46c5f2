"""The family member's portal: only what the patient's consent names, while it is in effect.
Every page that shows record data records it as a disclosure through the gate (42 CFR 2.25,
2.32), at most once a day per consent and set of information."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from openiop.accounts.models import User
from openiop.portal import access
from openiop.portal.family import selectors, services
from openiop.privacy import gate

ATTENDANCE = "attendance"
DEMOGRAPHICS = "demographics"


@dataclass(frozen=True)
class Resource:
    title: str
    text: str
    url: str
    phone: str = ""


# Public resources for families, described in our own words, each with its source.
RESOURCES = (
    Resource(
        "SAMHSA National Helpline",
        "Free, confidential help in English and Spanish, 24 hours a day, every day of the "
        "year: information and referrals to treatment, support groups and community services "
        "for individuals and families facing substance use or mental health problems.",
        "https://www.samhsa.gov/find-help/helplines/national-helpline",
        "1-800-662-4357",
    ),
    Resource(
        "Substance Use Disorder Treatment and Family Therapy (SAMHSA TIP 39)",
        "A guide from SAMHSA on how families are affected by a loved one's substance use, and "
        "how family sessions can help the whole family during and after treatment.",
        "https://store.samhsa.gov/product/tip-39-substance-use-disorder-treatment-and-family-therapy/pep20-02-02-012",
    ),
    Resource(
        "988 Suicide & Crisis Lifeline",
        "Call or text 988, or chat online, if you or your family member is in crisis or "
        "thinking about suicide. It is free and open all day and night.",
        "https://988lifeline.org",
        "988",
    ),
)


def _user(request: HttpRequest) -> User:
    """The signed-in user as the request carries it (verified by the second factor)."""
    user = request.user
    assert isinstance(user, User)
    return user


def family_home(request: HttpRequest) -> HttpResponse:
    allowed = access.family(request)
    patient = allowed.account.patient
    zone = selectors.zone_of(patient)
    today = timezone.now().astimezone(zone).date()
    show_attendance = ATTENDANCE in allowed.data
    shown = {d for d in (DEMOGRAPHICS, ATTENDANCE) if d in allowed.data}
    # The schedule of the patient's family sessions tells that they are in this program: it is
    # shown only under a consent that names their details or their attendance, and recorded as
    # a disclosure of what the consent names (42 CFR 2.31(a)(3), 2.25).
    schedule = selectors.family_schedule(patient) if shown else []
    attendance = selectors.recent_attendance(patient, today) if show_attendance else []
    if shown:
        what = "family sessions and attendance" if show_attendance else "family sessions"
        services.family_disclose(
            allowed,
            user=_user(request),
            data=shown,
            description=f"Family portal: {what}",
            request=request,
        )
    return render(
        request,
        "portal/family/home.html",
        {
            "portal": allowed.account,
            "first_name": patient.first_name,
            "limited": not shown,
            "schedule": schedule,
            "show_attendance": show_attendance,
            "attendance": attendance,
            "weeks": selectors.SCHEDULE_WEEKS,
            "notice": gate.NOTICE,
            "notice_short": gate.NOTICE_SHORT,
        },
    )


def family_education(request: HttpRequest) -> HttpResponse:
    allowed = access.family(request)
    return render(
        request,
        "portal/family/education.html",
        {
            "portal": allowed.account,
            "resources": RESOURCES,
            "notice_short": gate.NOTICE_SHORT,
        },
    )
