"""The partner's signed link: it shows one referral only, refuses altered, foreign, rotated
and expired links (404 / 410), records the partner's changes, closes its form when the
referral is closed, audits every request and limits requests per address."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from openiop.core.models import AuditEvent
from openiop.core.testing import PatientFactory, World
from openiop.support.models import PartnerReferral, ReferralEvent
from openiop.support.referrals import partner_link, services
from openiop.support.tests.test_referrals import NOW, TODAY, make_partner, send

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def url(referral: PartnerReferral, token: str | None = None, pk: int | None = None) -> str:
    return reverse(
        "support_public:partner_link",
        args=[pk or referral.pk, token or partner_link.make_token(referral)],
    )


def two(world: World) -> tuple[PartnerReferral, PartnerReferral]:
    partner = make_partner(world.org_a)
    other = PatientFactory.create(
        site=world.site_a1, program=world.program_a1, first_name="Zelda", last_name="Marchetti"
    )
    return send(world, partner=partner), send(world, patient=other, partner=partner)


def test_get_shows_this_referral_only_with_the_notice(client: Client, world: World) -> None:
    a, _b = two(world)
    resp = client.get(url(a))
    assert resp.status_code == 200
    assert resp["Referrer-Policy"] == "same-origin" and "no-store" in resp["Cache-Control"]
    html = resp.content.decode()
    assert (
        "Alma" in html
        and "Quintero" in html
        and "Shelter bed" in html.replace("shelter bed", "Shelter bed")
    )
    assert "Evening IOP A1" in html and "42 CFR part 2" in html and "written consent" in html
    assert "Zelda" not in html and "Marchetti" not in html
    ev = AuditEvent.objects.filter(
        action="view", object_id=str(a.pk), object_type="support.partnerreferral"
    )
    assert ev.count() == 1 and ev.get().user_id_value is None


def test_another_referrals_id_altered_token_or_rotated_nonce_is_404(
    client: Client, world: World
) -> None:
    a, b = two(world)
    token = partner_link.make_token(a)
    assert client.get(url(a, token=token, pk=b.pk)).status_code == 404
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    resp = client.get(url(a, token=altered))
    assert resp.status_code == 404 and "This link is not valid" in resp.content.decode()
    assert client.get(url(a, token="nonsense")).status_code == 404
    services.referral_link_renew(actor=world.counselor_a1, referral=a)
    assert client.get(url(a, token=token)).status_code == 404
    a.refresh_from_db()
    assert client.get(url(a)).status_code == 200
    assert (
        AuditEvent.objects.filter(action="denied", detail__startswith="partner link").count() == 4
    )


def test_expired_link_is_410_with_the_program_name(client: Client, world: World) -> None:
    a = send(world)
    link = url(a)
    with time_machine.travel(NOW + timedelta(days=15), tick=False):
        resp = client.get(link)
    assert resp.status_code == 410
    assert "Ask Evening IOP A1 at Org A (A1) for a new one" in resp.content.decode()
    with time_machine.travel(NOW + timedelta(days=15), tick=False):
        assert client.get(url(a, token="x" + partner_link.make_token(a))).status_code == 404


def test_post_by_the_partner_records_an_event(client: Client, world: World) -> None:
    a = send(world)
    resp = client.post(
        url(a),
        {
            "to_status": "accepted",
            "occurred_on": TODAY.isoformat(),
            "partner_person": "Dana at intake",
            "note": "Bed on Monday",
        },
    )
    assert resp.status_code == 200 and "Thank you" in resp.content.decode()
    a.refresh_from_db()
    assert a.status == "accepted"
    ev = ReferralEvent.objects.filter(referral=a).last()
    assert ev is not None
    assert (ev.source, ev.recorded_by, ev.partner_person) == (
        "partner_link",
        None,
        "Dana at intake",
    )
    bad = client.post(url(a), {"to_status": "delivered", "occurred_on": TODAY.isoformat()})
    assert bad.status_code == 422
    closed = client.post(
        url(a), {"to_status": "closed", "occurred_on": TODAY.isoformat(), "partner_person": "Dana"}
    )
    assert closed.status_code == 422
    a.refresh_from_db()
    assert a.status == "accepted"


def test_a_declined_referral_needs_a_reason_from_the_partner(client: Client, world: World) -> None:
    a = send(world)
    resp = client.post(
        url(a),
        {"to_status": "declined", "occurred_on": TODAY.isoformat(), "partner_person": "Dana"},
    )
    assert resp.status_code == 422
    a.refresh_from_db()
    assert a.status == "sent"


@pytest.mark.parametrize("end", ["closed", "withdrawn"])
def test_a_closed_or_withdrawn_referral_shows_the_partner_nothing(
    client: Client, world: World, end: str
) -> None:
    """A referral sent to the wrong partner is withdrawn: from then on its link shows nothing
    of the person (410, audited) and takes no change."""
    a = send(world)
    services.referral_update(
        actor=world.counselor_a1,
        referral=a,
        to_status=end,
        occurred_on=TODAY,
        outcome="not_resolved" if end == "closed" else "",
        note="Sent to the wrong partner." if end == "withdrawn" else "",
    )
    before = AuditEvent.objects.filter(action="denied").count()
    resp = client.get(url(a))
    html = resp.content.decode()
    assert resp.status_code == 410 and "This referral is closed" in html
    assert "Quintero" not in html and 'name="partner_person"' not in html
    resp = client.post(
        url(a),
        {"to_status": "received", "occurred_on": TODAY.isoformat(), "partner_person": "Dana"},
    )
    assert resp.status_code == 410
    assert AuditEvent.objects.filter(action="denied").count() == before + 2
    a.refresh_from_db()
    assert a.status == end


def test_rate_limit_per_address_is_429(client: Client, world: World) -> None:
    a = send(world)
    link = url(a)
    for _ in range(services.LINK_LIMIT):
        assert client.get(link).status_code == 200
    assert client.get(link).status_code == 429
    assert client.get(link, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_the_public_form_posts_with_the_csrf_cookie(world: World) -> None:
    a = send(world)
    browser = Client(enforce_csrf_checks=True)
    link = url(a)
    page = browser.get(link)
    token = page.cookies["csrftoken"].value
    resp = browser.post(
        link,
        {
            "to_status": "received",
            "occurred_on": TODAY.isoformat(),
            "partner_person": "Dana",
            "csrfmiddlewaretoken": token,
        },
    )
    assert resp.status_code == 200
    a.refresh_from_db()
    assert a.status == "received"


def test_a_revoked_consent_stops_the_link_at_once(client: Client, world: World) -> None:
    """42 CFR 2.31(a)(6): after the patient revokes the consent naming the partner, the link
    shows nothing of the person (403, the gate's audited refusal) and takes no change."""
    from openiop.privacy.models import Consent
    from openiop.privacy.services import consent_revoke

    a, _b = two(world)
    assert client.get(url(a)).status_code == 200
    consent = Consent.objects.get(patient=a.patient, recipient_key=f"partner:{a.partner_id}")
    consent_revoke(world.intake_a1, consent, method="writing")
    before = AuditEvent.objects.filter(action="denied").count()
    resp = client.get(url(a))
    html = resp.content.decode()
    assert resp.status_code == 403 and "no longer shared" in html
    assert "Quintero" not in html and "Shelter" not in html
    assert AuditEvent.objects.filter(action="denied").count() == before + 1
    resp = client.post(
        url(a), {"to_status": "accepted", "occurred_on": TODAY.isoformat(), "partner_person": "X"}
    )
    assert resp.status_code == 403
    a.refresh_from_db()
    assert a.status == "sent"
