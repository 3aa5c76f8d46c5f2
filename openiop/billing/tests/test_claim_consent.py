"""A claim discloses the patient's record to the payer (42 CFR 2.31): charges without a
covering consent are held and the refusal audited; sending a file records one disclosure per
claim; a revocation after the service does not stop the claim (reliance, 2.31(a)(6)), but a
file whose claims no consent covers any more is not sent. The file leaves at its download: the
download records the disclosures (none twice) or is refused."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from openiop.billing import claim_status, services
from openiop.billing.models import Charge, Claim, ClaimFile, ClaimStatus, Coverage
from openiop.billing.remit_text import RemitClaim, RemitLine, write_835
from openiop.billing.secondary import build_secondary_claim
from openiop.billing.tests.claims_factories import (
    MON,
    NOW,
    charges,
    give_tpo_consent,
    patient,
    payer,
    provider,
)
from openiop.core.models import AuditEvent
from openiop.core.testing import login
from openiop.core.testing_tasks import run_tasks
from openiop.privacy.models import Disclosure

SUN = MON + timedelta(days=6)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def build(world: Any, capture: Any) -> services.BuildResult:
    with capture(execute=True):
        result = services.build_claims(
            actor=world.billing_a1, first_day=MON, last_day=SUN, signed_in=False
        )
    run_tasks()
    return result


def denials(p: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action="denied", object_type="privacy.disclosure", patient_id_value=p.pk
        )
    )


def revoke(consent: Any, world: Any, at: Any) -> None:
    consent.revoked_at = at
    consent.revoked_by = world.intake_a1
    consent.revocation_method = "writing"
    consent.save()


def test_a_patient_without_consent_is_held_with_the_reason_and_audited(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    provider(world.org_a)
    who = payer(world.org_a, "professional", pid="ACME")
    consented = patient(world, who)
    unconsented = patient(world, who, consent=False)
    charges(world, consented, who, 2)
    charges(world, unconsented, who, 3)
    result = build(world, django_capture_on_commit_callbacks)
    assert result.claims == 1 and result.charges == 2
    [held] = result.held
    assert held.patient_id == unconsented.pk and held.charges == 3 and held.payer == "Payer ACME"
    assert "No consent from this patient covers Payer ACME" in held.reason
    assert "42 CFR 2.31" in held.message and held.message.startswith("Held, not billed")
    assert not Charge.objects.filter(patient=unconsented, claim__isnull=False).exists()
    [event] = denials(unconsented)
    assert event.user_id_value == world.billing_a1.pk and "claim to Payer ACME" in event.detail
    assert denials(consented) == []
    # Once the consent is recorded, the next build bills the held charges.
    give_tpo_consent(unconsented, world.intake_a1)
    again = build(world, django_capture_on_commit_callbacks)
    assert again.claims == 1 and again.charges == 3 and again.held == ()


def test_the_claims_page_says_who_was_held_and_why(world: Any, client: Client) -> None:
    provider(world.org_a)
    who = payer(world.org_a, "professional", pid="ACME")
    charges(world, patient(world, who, consent=False), who, 1)
    login(client, world.billing_a1)
    response = client.post(
        reverse("billing:claims_build"), {"first_day": MON, "last_day": SUN}, follow=True
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Held, not billed" in body and "No consent from this patient covers Payer ACME" in body


def test_marking_a_file_sent_records_one_disclosure_per_claim(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    provider(world.org_a)
    who = payer(world.org_a, "professional", pid="ACME")
    for _ in range(2):
        charges(world, patient(world, who), who, 2)
    build(world, django_capture_on_commit_callbacks)
    claims = list(Claim.objects.order_by("pk"))
    assert [c.status for c in claims] == [ClaimStatus.READY] * 2
    assert claims[0].claim_file is not None
    claim_status.mark_file_sent(
        actor=world.billing_a1, file_id=claims[0].claim_file.pk, signed_in=False
    )
    rows = list(Disclosure.objects.order_by("pk"))
    assert [(r.patient_id, r.object_id) for r in rows] == [
        (c.patient_id, str(c.pk)) for c in claims
    ]
    for row, claim in zip(rows, claims, strict=True):
        assert row.channel == "claim" and row.purpose == "payment"
        assert row.recipient_kind == "health_plan" and row.recipient_name == "Payer ACME"
        assert row.recipient_key == f"payer:{who.pk}" and row.object_type == "billing.claim"
        assert row.data == ["billing", "demographics", "diagnosis"]
        assert row.consent is not None and row.consent.patient_id == claim.patient_id
        assert row.description == (
            f"Claim {claim.control_number} for services 2026-11-02\u20132026-11-03"
        )
        assert row.made_by == world.billing_a1
    assert (
        AuditEvent.objects.filter(action="disclose", object_type="privacy.disclosure").count() == 2
    )


def test_a_consent_revoked_after_the_service_still_lets_the_claim_go(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    provider(world.org_a)
    who = payer(world.org_a, "professional", pid="ACME")
    p = patient(world, who)
    charges(world, p, who, 3)  # 2, 3 and 4 November
    revoke(p.consents.get(), world, NOW - timedelta(days=5))  # 15 November
    result = build(world, django_capture_on_commit_callbacks)
    assert result.claims == 1 and result.charges == 3 and result.held == ()
    claim = Claim.objects.get()
    assert claim.claim_file is not None
    claim_status.mark_file_sent(
        actor=world.billing_a1, file_id=claim.claim_file.pk, signed_in=False
    )
    assert Disclosure.objects.get().consent == p.consents.get()


def test_services_given_after_the_revocation_are_held(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    provider(world.org_a)
    who = payer(world.org_a, "professional", pid="ACME")
    p = patient(world, who)
    charges(world, p, who, 3)  # 2, 3 and 4 November
    revoke(p.consents.get(), world, NOW.replace(month=11, day=3, hour=9))
    result = build(world, django_capture_on_commit_callbacks)
    assert result.charges == 1  # 2 November, the day before the revocation
    [held] = result.held
    assert held.charges == 2 and "revoked on 03 Nov 2026" in held.reason


def test_a_revocation_in_the_morning_stops_that_days_claim(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A claim carries the day, not the hour: a revocation at 09:00 stops the claim for the
    session at 18:00 the same day (reliance is read to the end of the service day)."""
    provider(world.org_a)
    who = payer(world.org_a, "professional", pid="ACME")
    p = patient(world, who)
    charges(world, p, who, 1)  # 2 November
    revoke(p.consents.get(), world, NOW.replace(month=11, day=2, hour=9))
    result = build(world, django_capture_on_commit_callbacks)
    assert result.claims == 0 and result.charges == 0
    [held] = result.held
    assert held.charges == 1 and "revoked on 02 Nov 2026" in held.reason
    assert not Charge.objects.filter(patient=p, claim__isnull=False).exists()


def test_reliance_is_the_end_of_the_service_day_in_the_sites_zone() -> None:
    moment = claim_status.service_moment(date(2026, 11, 2), "America/New_York")
    local = ZoneInfo("America/New_York")
    assert moment == datetime(2026, 11, 2, 23, 59, 59, 999999, tzinfo=local)
    assert moment.astimezone(local).date() == date(2026, 11, 2)


def test_a_file_no_consent_covers_any_more_is_not_sent(
    world: Any, django_capture_on_commit_callbacks: Any, client: Client
) -> None:
    provider(world.org_a)
    who = payer(world.org_a, "professional", pid="ACME")
    p = patient(world, who)
    charges(world, p, who, 2)
    build(world, django_capture_on_commit_callbacks)
    claim = Claim.objects.get()
    # The consent was signed only after these services (so the program did not give them in
    # reliance on it, 42 CFR 2.31(a)(6)) and the patient revoked it after the build.
    consent = p.consents.get()
    consent.recorded_at = NOW - timedelta(hours=2)
    consent.revoked_at = NOW - timedelta(hours=1)
    consent.revoked_by = world.intake_a1
    consent.save()
    assert claim.claim_file is not None
    login(client, world.billing_a1)
    response = client.post(reverse("billing:file_sent", args=[claim.claim_file.pk]), follow=True)
    body = response.content.decode()
    assert f"claim {claim.control_number}" in body and "was revoked on" in body
    assert "cannot be downloaded or sent" in body
    assert "Withdraw the file&#x27;s claims (that withdraws the whole file) and build again" in body
    assert "stay held until the patient signs a consent (42 CFR 2.31)" in body
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.READY
    assert not Disclosure.objects.exists()
    assert len(denials(p)) == 1


def _download(client: Client, claim_file: Any, **extra: Any) -> Any:
    return client.post(reverse("billing:file_download", args=[claim_file.pk]), **extra)


def _two_claims(world: Any, capture: Any) -> tuple[list[Claim], ClaimFile]:
    provider(world.org_a)
    who = payer(world.org_a, "professional", pid="ACME")
    for _ in range(2):
        charges(world, patient(world, who), who, 2)
    build(world, capture)
    claims = list(Claim.objects.order_by("pk"))
    claim_file = claims[0].claim_file
    assert claim_file is not None and all(c.claim_file == claim_file for c in claims)
    return claims, claim_file


def test_downloading_a_file_records_one_disclosure_per_claim_once(
    world: Any, django_capture_on_commit_callbacks: Any, client: Client
) -> None:
    claims, claim_file = _two_claims(world, django_capture_on_commit_callbacks)
    login(client, world.billing_a1)
    response = _download(client, claim_file)
    assert response.status_code == 200 and response.content.startswith(b"ISA*")
    rows = list(Disclosure.objects.order_by("pk"))
    assert [(r.patient_id, r.object_id, r.channel) for r in rows] == [
        (c.patient_id, str(c.pk), "claim") for c in claims
    ]
    assert all(r.made_by == world.billing_a1 and r.purpose == "payment" for r in rows)
    # A second download, then marking the file as sent, disclose nothing again.
    assert _download(client, claim_file).status_code == 200
    assert Disclosure.objects.count() == 2
    claim_status.mark_file_sent(actor=world.billing_a1, file_id=claim_file.pk, signed_in=False)
    assert Disclosure.objects.count() == 2
    assert _download(client, claim_file).status_code == 200  # a sent file again
    assert Disclosure.objects.count() == 2
    assert (
        AuditEvent.objects.filter(action="disclose", object_type="privacy.disclosure").count() == 2
    )
    assert AuditEvent.objects.filter(action="export", object_type="billing.claimfile").count() == 3
    assert ClaimFile.objects.get(pk=claim_file.pk).status == ClaimStatus.SUBMITTED


def test_a_withdrawn_file_cannot_be_downloaded(
    world: Any, django_capture_on_commit_callbacks: Any, client: Client
) -> None:
    _, claim_file = _two_claims(world, django_capture_on_commit_callbacks)
    ClaimFile.objects.filter(pk=claim_file.pk).update(status=ClaimStatus.VOID)
    login(client, world.billing_a1)
    response = _download(client, claim_file)
    assert not response.content.startswith(b"ISA*")
    assert not Disclosure.objects.exists()


def test_the_command_writes_only_files_it_may_disclose(
    world: Any, django_capture_on_commit_callbacks: Any, tmp_path: Any
) -> None:
    import io
    import json

    from django.core.management import call_command

    provider(world.org_a)
    who = payer(world.org_a, "professional", pid="ACME")
    covered, uncovered = patient(world, who), patient(world, who, consent=False)
    charges(world, covered, who, 2)
    charges(world, uncovered, who, 2)
    out = io.StringIO()
    call_command(
        "billing",
        "claims",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "-o",
        str(tmp_path),
        "--organization",
        "Org A",
        stdout=out,
    )
    report = json.loads(out.getvalue())
    [entry] = report["files"]
    assert entry["status"] == "ready" and entry["file"] and entry["claims"] == 1
    assert list(Disclosure.objects.values_list("patient_id", "channel")) == [(covered.pk, "claim")]


def test_a_file_sent_without_download_is_disclosed_at_mark_as_sent_only_for_the_rest(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    claims, claim_file = _two_claims(world, django_capture_on_commit_callbacks)
    claim_status.release_file(actor=world.billing_a1, file_id=claim_file.pk, signed_in=False)
    Disclosure.objects.filter(object_id=str(claims[1].pk)).delete()  # as if never downloaded
    claim_status.mark_file_sent(actor=world.billing_a1, file_id=claim_file.pk, signed_in=False)
    assert sorted(Disclosure.objects.values_list("object_id", flat=True)) == sorted(
        str(c.pk) for c in claims
    )


def test_a_download_no_consent_covers_is_refused_audited_and_not_returned(
    world: Any, django_capture_on_commit_callbacks: Any, client: Client
) -> None:
    provider(world.org_a)
    who = payer(world.org_a, "professional", pid="ACME")
    covered = patient(world, who)
    p = patient(world, who)
    charges(world, covered, who, 2)
    charges(world, p, who, 2)  # 2 and 3 November
    build(world, django_capture_on_commit_callbacks)
    claim = Claim.objects.get(patient=p)
    assert claim.claim_file is not None
    # Recorded late: the patient had revoked in writing before the services.
    revoke(p.consents.get(), world, NOW.replace(month=11, day=1, hour=12))
    login(client, world.billing_a1)
    response = _download(client, claim.claim_file, follow=True)
    body = response.content.decode()
    assert response.status_code == 200 and not body.startswith("ISA*")
    assert response.redirect_chain == [(reverse("billing:files"), 302)]
    assert f"claim {claim.control_number} (" in body and "revoked on 01 Nov 2026" in body
    assert "cannot be downloaded or sent" in body
    assert not Disclosure.objects.exists()  # not even for the covered claim of the file
    assert len(denials(p)) == 1 and denials(covered) == []
    assert not AuditEvent.objects.filter(action="export").exists()
    # With htmx, a 403 whose words core/static/core/app.js shows next to the button.
    answer = _download(client, claim.claim_file, headers={"HX-Request": "true"})
    assert answer.status_code == 403 and b"ISA*" not in answer.content
    assert "cannot be downloaded or sent" in answer.content.decode()
    assert len(denials(p)) == 2 and not Disclosure.objects.exists()
    # Marking it as sent is refused the same way.
    response = client.post(reverse("billing:file_sent", args=[claim.claim_file.pk]), follow=True)
    assert "cannot be downloaded or sent" in response.content.decode()
    assert len(denials(p)) == 3 and not Disclosure.objects.exists()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.READY


def _pay(world: Any, claim: Claim) -> None:
    lines = [
        RemitLine(
            ch.service_date,
            ch.code,
            ch.billed_amount or Decimal("0"),
            (ch.billed_amount or Decimal("0")) - Decimal("50.50"),
            (("CO", "45", Decimal("22.50")), ("PR", "2", Decimal("28.00"))),
        )
        for ch in claim.charges.order_by("service_date")
    ]
    text = write_835(
        [RemitClaim(claim.control_number, "1", "DOE", "ALEX", "W123456789", tuple(lines))],
        trace="CHK1",
        paid_on=MON + timedelta(days=20),
        payer_name="PAYER ACME",
        payee_name="EXAMPLE RECOVERY IOP",
        payee_npi="1234567893",
    )
    services.post_remittance(actor=world.billing_a1, text=text, signed_in=False)


def test_a_secondary_claim_is_gated_at_download(
    world: Any, django_capture_on_commit_callbacks: Any, client: Client
) -> None:
    provider(world.org_a)
    acme = payer(world.org_a, "professional", pid="ACME")
    medicaid = payer(world.org_a, "professional", pid="MCD")
    p = patient(world, acme)
    charges(world, p, acme, 2)
    build(world, django_capture_on_commit_callbacks)
    primary = Claim.objects.get()
    Coverage.objects.create(
        patient=p,
        rank=2,
        payer=medicaid,
        member_id="MCD0099887",
        eligibility_checked_on=MON,
        guarantor_name="Self",
        created_by=world.admin_a,
        created_at=NOW,
    )
    _pay(world, primary)
    secondary = build_secondary_claim(actor=world.billing_a1, claim_id=primary.pk, signed_in=False)
    assert secondary.status == ClaimStatus.READY and secondary.claim_file is not None
    secondary_file = secondary.claim_file
    consent = p.consents.get()
    revoke(consent, world, NOW.replace(month=11, day=1))
    login(client, world.billing_a1)
    assert b"ISA*" not in _download(client, secondary_file).content
    assert not Disclosure.objects.filter(object_id=str(secondary.pk)).exists()
    assert any("to Payer MCD" in e.detail for e in denials(p))
    # Under a consent that covers the payer, the download discloses the secondary claim.
    give_tpo_consent(p, world.intake_a1)
    response = _download(client, secondary_file)
    assert response.status_code == 200 and response.content.startswith(b"ISA*")
    row = Disclosure.objects.get(object_id=str(secondary.pk))
    assert row.recipient_key == f"payer:{medicaid.pk}" and row.channel == "claim"
