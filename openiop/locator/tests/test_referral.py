"""Public referral requests: they land in intake's pipeline at "inquiry" with the consent
stored verbatim; bots (honeypot, too fast, forged or old token) are refused; the address is
rate-limited; the confirmation URL carries nothing about the person."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from openiop.core.models import AuditEvent
from openiop.core.testing import World
from openiop.intake.models import Referral, ReferralEvent
from openiop.locator import antispam, services
from openiop.locator.forms import CONSENT_TEXT
from openiop.locator.models import Facility, ReferralAttempt
from openiop.locator.tests.factories import FacilityFactory, token_issued

pytestmark = pytest.mark.django_db
URL = "/public/referral/"


@pytest.fixture
def facility(world: World) -> Facility:
    services.directory_publish(actor=None, organization=world.org_a)
    return Facility.objects.get(program=world.program_a1)


def payload(facility: Facility, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "facility": facility.pk,
        "who": "family",
        "first_name": "Maya",
        "last_name": "Okafor",
        "phone": "(508) 555-0133",
        "email": "",
        "preferred_language": "spanish",
        "referrer_name": "Grace Okafor",
        "referrer_organization": "",
        "referrer_phone": "(508) 555-0134",
        "reason": "Started drinking after school; we are worried.",
        "consent": "on",
        "form_token": token_issued(10),
        "website": "",
    }
    data.update(changes)
    return data


def test_the_form_shows_the_consent_text_and_a_hidden_honeypot(
    client: Client, facility: Facility
) -> None:
    page = client.get(URL, {"facility": facility.pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert CONSENT_TEXT in text
    assert 'class="locator-hp" aria-hidden="true"' in text and 'name="website"' in text
    assert 'name="form_token"' in text


def test_a_request_lands_in_the_intake_pipeline_at_inquiry_with_the_consent_verbatim(
    client: Client, world: World, facility: Facility
) -> None:
    response = client.post(URL, payload(facility))
    assert response.status_code == 302
    assert response["Location"] == "/public/referral/thanks/"  # fixed: nothing about anyone
    referral = Referral.objects.get()
    assert referral.stage == "inquiry" and referral.submitted_publicly
    assert referral.organization == world.org_a and referral.program == world.program_a1
    assert referral.source == "family" and referral.referrer_name == "Grace Okafor"
    assert referral.preferred_language == "Spanish"
    assert referral.consent_text == CONSENT_TEXT
    assert ReferralEvent.objects.get(referral=referral).to_stage == "inquiry"
    assert AuditEvent.objects.filter(object_type="intake.referral", action="add").exists()
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert b"Okafor" not in thanks.content and b"drinking" not in thanks.content
    assert b"No email" in thanks.content


def test_a_physician_can_refer_a_patient(client: Client, facility: Facility) -> None:
    data = payload(
        facility,
        who="physician",
        referrer_name="Dr. Ames",
        referrer_organization="Elm Family Practice",
    )
    assert client.post(URL, data).status_code == 302
    referral = Referral.objects.get()
    assert (
        referral.source == "physician" and referral.referrer_organization == "Elm Family Practice"
    )


def test_the_honeypot_looks_like_success_but_stores_nothing(
    client: Client, facility: Facility
) -> None:
    response = client.post(URL, payload(facility, website="http://spam.example"))
    assert response.status_code == 302 and response["Location"] == "/public/referral/thanks/"
    assert not Referral.objects.exists()
    assert AuditEvent.objects.filter(
        action="security", detail__contains="honeypot", object_type="locator.referral_request"
    ).exists()


def test_a_submission_faster_than_three_seconds_is_refused(
    client: Client, facility: Facility
) -> None:
    response = client.post(URL, payload(facility, form_token=token_issued(1)))
    assert response.status_code == 422 and b"very fast" in response.content
    assert not Referral.objects.exists()


@pytest.mark.parametrize("token", ["forged", token_issued(3 * 60 * 60)], ids=["forged", "expired"])
def test_a_forged_or_two_hour_old_token_must_reload_the_form(
    client: Client, facility: Facility, token: str
) -> None:
    response = client.post(URL, payload(facility, form_token=token))
    assert response.status_code == 422 and b"expired" in response.content
    assert not Referral.objects.exists()


def test_the_token_rules_in_isolation() -> None:
    now = time.time()
    assert antispam.check(antispam.issue_token(now - 5), "", now) is antispam.Verdict.OK
    assert antispam.check(antispam.issue_token(now - 1), "", now) is antispam.Verdict.TOO_FAST
    assert antispam.check(antispam.issue_token(now - 7201), "", now) is antispam.Verdict.EXPIRED
    assert antispam.check(antispam.issue_token(now - 5), "x", now) is antispam.Verdict.HONEYPOT
    assert antispam.check("a:b:c", "", now) is antispam.Verdict.INVALID


def test_the_sixth_request_from_one_address_in_an_hour_is_refused_with_429(
    client: Client, facility: Facility
) -> None:
    for i in range(5):
        assert client.post(URL, payload(facility, first_name=f"P{i}")).status_code == 302
    response = client.post(URL, payload(facility, first_name="Sixth"))
    assert response.status_code == 429 and b"Too many requests" in response.content
    assert Referral.objects.count() == 5
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post(URL, payload(facility, first_name="Elsewhere")).status_code == 302
    # the limit is kept in the database under a keyed hash, never the address itself
    assert not ReferralAttempt.objects.filter(client_key__contains="127.0.0.1").exists()


def test_bot_submissions_count_toward_the_limit_and_stop_being_audited_past_it(
    client: Client, facility: Facility
) -> None:
    for _ in range(5):
        client.post(URL, payload(facility, website="spam"))
    assert client.post(URL, payload(facility, website="spam")).status_code == 429
    assert AuditEvent.objects.filter(action="security").count() == 5


def test_missing_contact_or_consent_is_422_and_stores_nothing(
    client: Client, facility: Facility
) -> None:
    response = client.post(URL, payload(facility, phone="", email="", consent=""))
    assert response.status_code == 422
    assert b"id_phone-errors" in response.content and b"id_consent-errors" in response.content
    assert not Referral.objects.exists() and not ReferralAttempt.objects.exists()


def test_an_external_facility_shows_its_phone_instead_of_a_form(client: Client) -> None:
    external = FacilityFactory.create(phone="(508) 555-0177")
    page = client.get(URL, {"facility": external.pk})
    assert b"(508) 555-0177" in page.content and b"Send request" not in page.content
    response = client.post(URL, payload(external))
    assert response.status_code == 422 and not Referral.objects.exists()


def test_no_program_chosen_points_to_the_search(client: Client) -> None:
    page = client.get(URL)
    assert page.status_code == 200 and b"Choose a program first" in page.content
