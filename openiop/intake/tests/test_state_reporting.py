"""The admission's state reporting details page: the link on the chart, saving, "not
collected", refusals for another site and another role, and bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.test import Client
from django.urls import reverse

from openiop.core.models import AuditAction, AuditEvent
from openiop.core.testing import World, login, without_tokens
from openiop.intake.models import Admission, StateReportingDetails
from openiop.patients.models import Enrollment

pytestmark = pytest.mark.django_db


def admission(world: World) -> Admission:
    patient = world.patient_a1
    enrollment = Enrollment.objects.create(
        patient=patient, track=world.track_a1, starts_on=date(2026, 3, 10), required_weekly_hours=9
    )
    a = Admission.objects.create(
        patient=patient,
        program=world.program_a1,
        primary_counselor=world.counselor_a1,
        starts_on=date(2026, 3, 10),
        admitted_at=datetime(2026, 3, 10, 15, tzinfo=UTC),
    )
    a.enrollments.add(enrollment)
    return a


GOOD = {
    "race": "black",
    "ethnicity": "not_hispanic",
    "education_years": "12",
    "employment": "unemployed",
    "substance_1": "alcohol",
    "route_1": "oral",
    "frequency_1": "daily",
    "first_use_age_1": "15",
    "substance_2": "none",
    "prior_episodes": "0",
}


def test_chart_links_to_the_page_and_the_page_shows_what_is_not_collected(
    client: Client, world: World
) -> None:
    a = admission(world)
    login(client, world.intake_a1)
    chart = client.get(reverse("patients:chart_tab", args=[world.patient_a1.pk, "intake"]))
    url = reverse("intake:state_reporting", args=[a.pk])
    assert url in chart.content.decode()
    page = client.get(url)
    body = without_tokens(page.content)
    assert page.status_code == 200
    assert "Not collected yet" in body and "Race; Hispanic or Latino origin;" in body
    assert "TEDS" not in body.replace("Treatment Episode Data Set", "")


def test_intake_saves_details_with_audit(client: Client, world: World) -> None:
    a = admission(world)
    login(client, world.intake_a1)
    response = client.post(reverse("intake:state_reporting", args=[a.pk]), GOOD)
    assert response.status_code == 302
    d = StateReportingDetails.objects.get(admission=a)
    assert (d.race, d.education_years, d.substance_1, d.first_use_age_1, d.marital) == (
        "black",
        12,
        "alcohol",
        15,
        "",
    )
    assert d.updated_by == world.intake_a1
    event = AuditEvent.objects.filter(
        action=AuditAction.ADD, object_type="intake.statereportingdetails"
    ).get()
    assert "race" in event.fields and "marital" not in event.fields
    page = client.get(reverse("intake:state_reporting", args=[a.pk]))
    body = page.content.decode()
    assert "Marital status" in body.split("Not collected yet")[1].split("</section>")[0]
    assert "Race;" not in body.split("Not collected yet")[1].split("</section>")[0]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("education_years", "40", "Give a number from 0 to 25."),
        ("first_use_age_1", "60", "older than the patient was at admission"),
        # Born 17 May 1990 and admitted 10 March 2026: 35 on the day, not 36.
        ("first_use_age_1", "36", "older than the patient was at admission"),
        ("first_contact_on", "2026-04-01", "This is after the admission."),
        ("race", "martian", "Select a valid choice"),
    ],
)
def test_bad_input_is_422_and_saves_nothing(
    client: Client, world: World, field: str, value: str, message: str
) -> None:
    a = admission(world)
    login(client, world.intake_a1)
    response = client.post(reverse("intake:state_reporting", args=[a.pk]), {**GOOD, field: value})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not StateReportingDetails.objects.exists()


def test_other_site_gets_404_and_other_role_403(client: Client, world: World) -> None:
    a = admission(world)
    url = reverse("intake:state_reporting", args=[a.pk])
    for user, status in (
        (world.counselor_a2, 404),
        (world.counselor_b1, 404),
        (world.billing_a1, 403),
    ):
        client.logout()
        login(client, user)
        before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
        response = client.post(url, GOOD)
        assert response.status_code == status, user.username
        assert "Quintero" not in response.content.decode()
        assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 1
    assert not StateReportingDetails.objects.exists()
    login(client, world.intake_a1)
    assert client.get(reverse("intake:state_reporting", args=[999999])).status_code == 404


def test_first_use_at_the_age_on_the_admission_day_is_accepted(
    client: Client, world: World
) -> None:
    a = admission(world)  # patient born 17 May 1990, admitted 10 March 2026: aged 35
    login(client, world.intake_a1)
    response = client.post(
        reverse("intake:state_reporting", args=[a.pk]), {**GOOD, "first_use_age_1": "35"}
    )
    assert response.status_code == 302
    assert StateReportingDetails.objects.get().first_use_age_1 == 35


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"referral_source": "self", "referral_detail": "employer"},
            "referral_detail",
            'This does not fit who referred ("Self"): "Employer or employee assistance program" '
            "is a different source. Clear one of them.",
        ),
        (
            {"substance_1": "none", "route_1": "oral"},
            "route_1",
            'The main substance is "None": leave "How used" empty, or name the substance.',
        ),
        (
            {"substance_1": "none", "frequency_1": "daily"},
            "frequency_1",
            'The main substance is "None": leave "How often, past month" empty, or name the '
            "substance.",
        ),
        (
            {"substance_1": "none", "route_1": "", "frequency_1": "", "first_use_age_1": "15"},
            "first_use_age_1",
            'The main substance is "None": leave "Age at first use" empty, or name the substance.',
        ),
        ({"arrests_30d": "31"}, "arrests_30d", "Give a number from 0 to 30."),
    ],
)
def test_contradictions_are_refused_with_a_field_error(
    client: Client, world: World, changes: dict[str, str], field: str, message: str
) -> None:
    a = admission(world)
    login(client, world.intake_a1)
    response = client.post(reverse("intake:state_reporting", args=[a.pk]), {**GOOD, **changes})
    assert response.status_code == 422
    assert response.context["form"].errors[field] == [message]
    assert not StateReportingDetails.objects.exists()


def test_type_range_and_cross_field_errors_show_in_one_round(client: Client, world: World) -> None:
    a = admission(world)
    login(client, world.intake_a1)
    response = client.post(
        reverse("intake:state_reporting", args=[a.pk]),
        {
            **GOOD,
            "race": "martian",  # a type error
            "education_years": "40",  # a range error
            "first_contact_on": "2026-04-01",  # a date error
            "referral_source": "self",
            "referral_detail": "court",  # a contradiction
        },
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert sorted(errors) == ["education_years", "first_contact_on", "race", "referral_detail"]
    assert errors["education_years"] == ["Give a number from 0 to 25."]
    assert errors["first_contact_on"] == ["This is after the admission."]


def test_alaska_native_is_shown_in_plain_words_and_kept_as_recorded(
    client: Client, world: World
) -> None:
    a = admission(world)
    login(client, world.intake_a1)
    page = client.get(reverse("intake:state_reporting", args=[a.pk])).content.decode()
    assert ">Alaska Native</option>" in page and "Aleut" not in page
    response = client.post(
        reverse("intake:state_reporting", args=[a.pk]), {**GOOD, "race": "alaska_native"}
    )
    assert response.status_code == 302
    assert StateReportingDetails.objects.get().race == "alaska_native"
