"""Closed-loop referrals to partners: sending under the consent gate, every status change
allowed or refused, the need closed on a resolved outcome, the pages and their refusals,
the work list's order and query count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openiop.core.models import AuditEvent
from openiop.core.testing import PatientFactory, World, login
from openiop.patients.models import Patient
from openiop.privacy import gate
from openiop.privacy import services as privacy_services
from openiop.privacy.models import Consent, Disclosure
from openiop.support.models import (
    Need,
    NeedKind,
    NeedSource,
    NeedStatus,
    Partner,
    PartnerReferral,
    PartnerService,
    ReferralEvent,
    ReferralStatus,
)
from openiop.support.referrals import services

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


# ---------------------------------------------------------------- helpers (used by the other files)


def make_partner(
    org: Any, name: str = "Harbor Housing", kind: str = NeedKind.HOUSING, **kw: Any
) -> Partner:
    now = timezone.now()
    partner = Partner.objects.create(
        organization=org, name=name, created_at=now, updated_at=now, **kw
    )
    PartnerService.objects.create(partner=partner, kind=kind, name=f"{name} service")
    return partner


def make_need(world: World, patient: Patient | None = None, kind: str = NeedKind.HOUSING) -> Need:
    patient = patient or world.patient_a1
    return Need.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        kind=kind,
        source=NeedSource.STAFF,
        identified_on=TODAY - timedelta(days=10),
        identified_by=world.counselor_a1,
    )


def consent_for(world: World, patient: Patient, partner: Partner) -> Consent:
    return privacy_services.consent_record(
        world.intake_a1,
        patient,
        kind="named",
        recipient_kind="service_partner",
        recipient_name=partner.name,
        recipient_key=f"partner:{partner.pk}",
        purpose="support",
        data=["demographics", "social_needs"],
        expires_on=timezone.localdate() + timedelta(days=365),
        signer_name=f"{patient.first_name} {patient.last_name}",
        signed_on=timezone.localdate(),
        typed_name=f"{patient.first_name} {patient.last_name}",
        agreed=True,
        disclosing_party="The program",
    )


def send(
    world: World, patient: Patient | None = None, partner: Partner | None = None, **kw: Any
) -> PartnerReferral:
    patient = patient or world.patient_a1
    partner = partner or make_partner(world.org_a)
    consent_for(world, patient, partner)
    need = make_need(world, patient)
    values: dict[str, Any] = {
        "actor": world.counselor_a1,
        "need": need,
        "partner": partner,
        "message": "Needs a shelter bed from next week.",
    }
    values.update(kw)
    return services.referral_send(**values)


def _status_form(expected: str, to: str) -> dict[str, str]:
    """The referral page's status form as posted: what the user saw, what happened."""
    return {
        "what": "status",
        "expected_status": expected,
        "to_status": to,
        "occurred_on": TODAY.isoformat(),
    }


def _second_referral(world: World, first: PartnerReferral) -> PartnerReferral:
    """Another partner, under its own consent, tried for the same need."""
    partner_b = make_partner(world.org_a, "Second Street Housing")
    consent_for(world, world.patient_a1, partner_b)
    return services.referral_send(
        actor=world.counselor_a1, need=first.need, partner=partner_b, message="Try here too."
    )


# ---------------------------------------------------------------- sending


def test_send_records_the_disclosure_the_event_and_the_follow_up(world: World) -> None:
    r = send(world)
    assert r.status == ReferralStatus.SENT and r.sent_on == TODAY
    assert r.follow_up_on == TODAY + timedelta(days=7)
    assert r.link_expires_at == NOW + timedelta(days=14)
    assert r.disclosure is not None and r.disclosure.recipient_kind == "service_partner"
    ev = ReferralEvent.objects.get(referral=r)
    assert (ev.from_status, ev.to_status, ev.source, ev.recorded_by) == (
        "",
        "sent",
        "staff",
        world.counselor_a1,
    )
    assert (
        AuditEvent.objects.filter(
            action="add", object_id=str(r.pk), object_type="support.partnerreferral"
        ).count()
        == 1
    )


def test_send_without_consent_is_refused_nothing_saved_one_denial(world: World) -> None:
    partner = make_partner(world.org_a)
    need = make_need(world)
    before = AuditEvent.objects.filter(action="denied").count()
    with pytest.raises(gate.DisclosureRefused):
        services.referral_send(
            actor=world.counselor_a1, need=need, partner=partner, message="Shelter please"
        )
    assert not PartnerReferral.objects.exists()
    assert not Disclosure.objects.exists()
    assert not ReferralEvent.objects.exists()
    assert AuditEvent.objects.filter(action="denied").count() == before + 1


def test_send_refuses_closed_need_inactive_or_foreign_partner(world: World) -> None:
    partner = make_partner(world.org_a)
    consent_for(world, world.patient_a1, partner)
    need = make_need(world)
    need.status, need.closed_on = NeedStatus.RESOLVED, TODAY
    need.save()
    with pytest.raises(ValidationError) as exc:
        services.referral_send(
            actor=world.counselor_a1, need=need, partner=partner, message="x y z"
        )
    assert "__all__" in exc.value.message_dict
    need2 = make_need(world, kind=NeedKind.FOOD)
    partner.active = False
    partner.save()
    with pytest.raises(ValidationError) as exc:
        services.referral_send(
            actor=world.counselor_a1, need=need2, partner=partner, message="x y z"
        )
    assert "partner" in exc.value.message_dict
    foreign = make_partner(world.org_b, name="B Housing")
    with pytest.raises(ValidationError) as exc:
        services.referral_send(
            actor=world.counselor_a1, need=need2, partner=foreign, message="x y z"
        )
    assert "partner" in exc.value.message_dict
    assert not PartnerReferral.objects.exists()


def test_send_by_a_role_without_support_write_is_refused(world: World) -> None:
    partner = make_partner(world.org_a)
    consent_for(world, world.patient_a1, partner)
    need = make_need(world)
    with pytest.raises(PermissionDenied) as exc:
        services.referral_send(actor=world.frontdesk_a1, need=need, partner=partner, message="abc")
    assert "role" in str(exc.value).lower() or "support" in str(exc.value).lower()
    assert not PartnerReferral.objects.exists()


# ---------------------------------------------------------------- transitions

ALLOWED = [
    ("sent", "received"),
    ("sent", "accepted"),
    ("sent", "declined"),
    ("sent", "withdrawn"),
    ("sent", "closed"),
    ("received", "accepted"),
    ("received", "declined"),
    ("received", "withdrawn"),
    ("received", "closed"),
    ("accepted", "delivered"),
    ("accepted", "declined"),
    ("accepted", "withdrawn"),
    ("accepted", "closed"),
    ("delivered", "closed"),
    ("declined", "closed"),
]
ALL = [s.value for s in ReferralStatus]
REFUSED = [(a, b) for a in ALL for b in ALL if (a, b) not in ALLOWED and a != b and b != "sent"] + [
    (a, "sent") for a in ALL if a != "sent"
]


def _at(world: World, status: str) -> PartnerReferral:
    r = send(world)
    PartnerReferral.objects.filter(pk=r.pk).update(status=status)
    r.refresh_from_db()
    return r


def _extra(to: str) -> dict[str, Any]:
    if to == "declined":
        return {"declined_reason": "No beds left"}
    if to == "closed":
        return {"outcome": "not_resolved"}
    return {}


@pytest.mark.parametrize(("frm", "to"), ALLOWED)
def test_each_allowed_change(world: World, frm: str, to: str) -> None:
    r = _at(world, frm)
    out = services.referral_update(
        actor=world.counselor_a1, referral=r, to_status=to, occurred_on=TODAY, **_extra(to)
    )
    assert out.status == to
    ev = ReferralEvent.objects.filter(referral=r).last()
    assert ev is not None and (ev.from_status, ev.to_status) == (frm, to)
    assert (
        AuditEvent.objects.filter(
            action="change", object_id=str(r.pk), object_type="support.partnerreferral"
        ).count()
        == 1
    )


@pytest.mark.parametrize(("frm", "to"), REFUSED)
def test_each_refused_change(world: World, frm: str, to: str) -> None:
    r = _at(world, frm)
    with pytest.raises(ValidationError):
        services.referral_update(
            actor=world.counselor_a1, referral=r, to_status=to, occurred_on=TODAY, **_extra(to)
        )
    r.refresh_from_db()
    assert r.status == frm
    assert ReferralEvent.objects.filter(referral=r).count() == 1


def test_declined_needs_a_reason_closed_an_outcome_and_dates_are_checked(world: World) -> None:
    r = send(world)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"to_status": "declined", "occurred_on": TODAY}, "declined_reason"),
        ({"to_status": "closed", "occurred_on": TODAY}, "outcome"),
        ({"to_status": "received", "occurred_on": TODAY + timedelta(days=1)}, "occurred_on"),
        ({"to_status": "received", "occurred_on": TODAY - timedelta(days=1)}, "occurred_on"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as exc:
            services.referral_update(actor=world.counselor_a1, referral=r, **kwargs)
        assert field in exc.value.message_dict
    assert ReferralEvent.objects.filter(referral=r).count() == 1


def test_closing_resolved_closes_the_need_not_resolved_leaves_it_open(world: World) -> None:
    r = send(world)
    services.referral_update(
        actor=world.counselor_a1,
        referral=r,
        to_status="closed",
        occurred_on=TODAY,
        outcome="resolved",
    )
    r.need.refresh_from_db()
    assert r.need.status == NeedStatus.RESOLVED and r.need.closed_on == TODAY
    other = PatientFactory.create(site=world.site_a1, program=world.program_a1)
    r2 = send(world, patient=other, partner=make_partner(world.org_a, name="Other"))
    services.referral_update(
        actor=world.counselor_a1,
        referral=r2,
        to_status="closed",
        occurred_on=TODAY,
        outcome="not_resolved",
    )
    r2.need.refresh_from_db()
    assert r2.need.status == NeedStatus.OPEN


def test_follow_up_moves_on_open_referrals_only_and_stale_status_is_a_conflict(
    world: World,
) -> None:
    r = send(world)
    services.referral_update(
        actor=world.counselor_a1,
        referral=r,
        to_status="",
        occurred_on=None,
        follow_up_on=TODAY + timedelta(days=20),
    )
    r.refresh_from_db()
    assert r.follow_up_on == TODAY + timedelta(days=20)
    with pytest.raises(services.StaleStatus):
        services.referral_update(
            actor=world.counselor_a1,
            referral=r,
            to_status="received",
            occurred_on=TODAY,
            expected_status="accepted",
        )
    services.referral_update(
        actor=world.counselor_a1, referral=r, to_status="withdrawn", occurred_on=TODAY
    )
    with pytest.raises(ValidationError):
        services.referral_update(
            actor=world.counselor_a1,
            referral=r,
            to_status="",
            occurred_on=None,
            follow_up_on=TODAY + timedelta(days=30),
        )


def test_link_renew_rotates_the_nonce_and_resets_the_expiry(world: World) -> None:
    r = send(world)
    old = r.link_nonce
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        out = services.referral_link_renew(actor=world.counselor_a1, referral=r)
    assert out.link_nonce != old
    assert out.link_expires_at == NOW + timedelta(days=17)


def test_the_partner_email_has_no_health_information(world: World, mailoutbox: Any) -> None:
    from openiop.support.referrals import tasks

    partner = make_partner(world.org_a, email="intake@harbor.example")
    r = send(world, partner=partner)
    result = tasks.send_partner_link.call(referral_id=r.pk, base_url="https://iop.example/")
    assert result == "sent"
    mail = mailoutbox[-1]
    assert (
        "Evening IOP A1" in mail.body
        and "https://iop.example/public/partner-referrals/" in mail.body
    )
    for phi in ("Alma", "Quintero", "shelter", "Housing"):
        assert phi not in mail.body and phi not in mail.subject


# ---------------------------------------------------------------- pages


def test_refer_page_shows_consent_state_and_sends(client: Client, world: World) -> None:
    covered = make_partner(world.org_a, name="Harbor Housing")
    make_partner(world.org_a, name="Food Bank", kind=NeedKind.FOOD)
    consent_for(world, world.patient_a1, covered)
    need = make_need(world)
    login(client, world.peer_a1)
    url = reverse("support:need_refer", args=[need.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Harbor Housing") < html.index("Food Bank")
    assert "consent covers this partner" in html and "Not covered by a consent" in html
    # A peer specialist records no consent: told whom to ask, no link they could not use.
    assert reverse("privacy:consents", args=[world.patient_a1.pk]) not in html
    assert "Ask a counselor or the intake team" in html
    resp = client.post(
        url,
        {"partner": covered.pk, "message": "Shelter bed please", "follow_up_on": "2026-11-23"},
    )
    r = PartnerReferral.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse(
        "support:referral_detail", args=[r.pk]
    )
    assert r.sent_by == world.peer_a1


def test_refer_without_consent_is_refused_at_the_partner_and_nothing_saved(
    client: Client, world: World
) -> None:
    partner = make_partner(world.org_a)
    need = make_need(world)
    login(client, world.counselor_a1)
    before = AuditEvent.objects.filter(action="denied").count()
    resp = client.post(
        reverse("support:need_refer", args=[need.pk]),
        {"partner": partner.pk, "message": "Shelter bed please", "follow_up_on": "2026-11-23"},
    )
    # The gate's reason at the partner the user chose (the form again, nothing lost), and
    # the link to record a consent for those who may.
    assert resp.status_code == 422
    html = resp.content.decode()
    assert "Record a consent naming this partner first" in html
    assert reverse("privacy:consents", args=[world.patient_a1.pk]) in html
    assert "Shelter bed please" in html
    assert not PartnerReferral.objects.exists()
    assert AuditEvent.objects.filter(action="denied").count() == before + 1


def test_refer_bad_input_is_422_nothing_saved(client: Client, world: World) -> None:
    partner = make_partner(world.org_a)
    consent_for(world, world.patient_a1, partner)
    need = make_need(world)
    login(client, world.counselor_a1)
    resp = client.post(
        reverse("support:need_refer", args=[need.pk]),
        {"partner": partner.pk, "message": "", "follow_up_on": "2026-11-01"},
    )
    assert resp.status_code == 422
    assert not PartnerReferral.objects.exists()


@pytest.mark.parametrize("name", ["need_refer", "referral_detail"])
def test_another_organization_gets_404_and_one_denial(
    client: Client, world: World, name: str
) -> None:
    r = send(world)
    pk = r.need_id if name == "need_refer" else r.pk
    login(client, world.counselor_b1)
    before = AuditEvent.objects.filter(action="denied").count()
    assert client.get(reverse(f"support:{name}", args=[pk])).status_code == 404
    assert AuditEvent.objects.filter(action="denied").count() == before + 1


@pytest.mark.parametrize("name", ["need_refer", "referral_detail", "referral_list"])
def test_front_desk_gets_403(client: Client, world: World, name: str) -> None:
    r = send(world)
    login(client, world.frontdesk_a1)
    args = [] if name == "referral_list" else [r.need_id if name == "need_refer" else r.pk]
    assert client.get(reverse(f"support:{name}", args=args)).status_code == 403


def test_detail_shows_history_link_and_records_a_change(client: Client, world: World) -> None:
    r = send(world)
    login(client, world.counselor_a1)
    url = reverse("support:referral_detail", args=[r.pk])
    html = client.get(url).content.decode()
    assert "Harbor Housing" in html and "/public/partner-referrals/" in html and "New link" in html
    change = reverse("support:referral_change", args=[r.pk])
    resp = client.post(change, _status_form("sent", "accepted"))
    assert resp.status_code == 302
    r.refresh_from_db()
    assert r.status == "accepted"
    stale = client.post(change, _status_form("sent", "delivered"))
    assert stale.status_code == 409 and "changed by someone else" in stale.content.decode()
    bad = client.post(change, _status_form("accepted", "declined"))
    assert bad.status_code == 422
    r.refresh_from_db()
    assert r.status == "accepted"
    old = r.link_nonce
    assert client.post(reverse("support:referral_new_link", args=[r.pk])).status_code == 302
    r.refresh_from_db()
    assert r.link_nonce != old


def test_work_list_overdue_first_and_constant_queries(
    client: Client, world: World, django_assert_num_queries: Any
) -> None:
    partner = make_partner(world.org_a)
    patients = [
        PatientFactory.create(site=world.site_a1, program=world.program_a1) for _ in range(10)
    ]
    refs = [send(world, patient=p, partner=partner) for p in patients]
    PartnerReferral.objects.filter(pk=refs[5].pk).update(follow_up_on=TODAY - timedelta(days=3))
    login(client, world.counselor_a1)
    url = reverse("support:referral_list")
    html = client.get(url).content.decode()
    first = refs[5].patient
    assert "Overdue 3 days" in html
    assert html.index(f"{first.last_name}, {first.first_name}") < html.index(
        f"{patients[0].last_name}, {patients[0].first_name}"
    )
    overdue = client.get(url, {"overdue": "on"}).content.decode()
    assert patients[0].last_name not in overdue and first.last_name in overdue

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    ten = count()
    PartnerReferral.objects.filter(pk__in=[r.pk for r in refs[3:]]).update(status="withdrawn")
    with django_assert_num_queries(ten):
        client.get(url)


# ---------------------------------------------------------------- review: the loop's edges


def test_closing_a_need_withdraws_its_open_referrals_and_ends_their_links(world: World) -> None:
    from openiop.support.needs.services import need_close

    first = send(world)
    second = _second_referral(world, first)
    need_close(
        actor=world.counselor_a1,
        need=first.need,
        status=NeedStatus.DECLINED,
        note="Moving in with her sister",
    )
    for referral in (first, second):
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.WITHDRAWN
        assert referral.link_expires_at == NOW
        event = referral.events.order_by("-id").first()
        assert event is not None and "need was closed" in event.note


def test_closing_one_referral_resolved_withdraws_the_others_of_its_need(world: World) -> None:
    first = send(world)
    second = _second_referral(world, first)
    services.referral_update(
        actor=world.counselor_a1,
        referral=first,
        to_status="closed",
        occurred_on=TODAY,
        outcome="resolved",
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ReferralStatus.CLOSED and first.outcome == "resolved"
    assert second.status == ReferralStatus.WITHDRAWN
    assert Need.objects.get(pk=first.need_id).status == NeedStatus.RESOLVED


def test_a_declined_referral_cannot_close_as_resolved(world: World) -> None:
    r = send(world)
    services.referral_update(
        actor=world.counselor_a1,
        referral=r,
        to_status="declined",
        occurred_on=TODAY,
        declined_reason="Waiting list closed",
    )
    with pytest.raises(ValidationError) as exc:
        services.referral_update(
            actor=world.counselor_a1,
            referral=r,
            to_status="closed",
            occurred_on=TODAY,
            outcome="resolved",
        )
    assert "outcome" in exc.value.message_dict
    assert Need.objects.get(pk=r.need_id).status == NeedStatus.OPEN


def test_a_change_cannot_be_dated_before_the_last_one(world: World) -> None:
    with time_machine.travel(NOW - timedelta(days=5), tick=False):
        r = send(world)
    services.referral_update(
        actor=world.counselor_a1, referral=r, to_status="accepted", occurred_on=TODAY
    )
    with pytest.raises(ValidationError) as exc:
        services.referral_update(
            actor=world.counselor_a1,
            referral=r,
            to_status="delivered",
            occurred_on=TODAY - timedelta(days=2),
        )
    assert "occurred_on" in exc.value.message_dict


def test_a_partner_change_after_a_new_link_is_refused(world: World) -> None:
    r = send(world)
    old_nonce = r.link_nonce
    services.referral_link_renew(actor=world.counselor_a1, referral=r)
    with pytest.raises(ValidationError):
        services.referral_update_by_partner(
            referral=r,
            to_status="accepted",
            occurred_on=TODAY,
            partner_person="Dana Reyes",
            link_nonce=old_nonce,
        )
    r.refresh_from_db()
    assert r.status == ReferralStatus.SENT


def test_the_work_list_takes_any_partner_id_and_audits_what_it_shows(
    client: Client, world: World
) -> None:
    r = send(world)
    login(client, world.counselor_a1)
    resp = client.get(reverse("support:referral_list"), {"partner": "9" * 30})
    assert resp.status_code == 200
    resp = client.get(reverse("support:referral_list"))
    assert resp.status_code == 200
    event = AuditEvent.objects.filter(action="query", object_type="support.partnerreferral").last()
    assert event is not None and str(r.patient_id) in event.detail


def test_the_referral_page_says_when_the_partners_link_has_expired(
    client: Client, world: World
) -> None:
    r = send(world)
    login(client, world.counselor_a1)
    page = client.get(reverse("support:referral_detail", args=[r.pk])).content.decode()
    assert 'id="partner-link"' in page
    with time_machine.travel(NOW + timedelta(days=15), tick=False):
        login(client, world.counselor_a1)
        page = client.get(reverse("support:referral_detail", args=[r.pk])).content.decode()
    assert "link expired" in page and 'id="partner-link"' not in page
