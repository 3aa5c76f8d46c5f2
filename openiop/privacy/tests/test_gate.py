"""The one disclosure gate: refused without a covering consent (audited, even when the
caller's transaction rolls back), recorded with a `Disclosure` and an audit event when allowed,
and the batch check in a constant number of queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction

from openiop.core.models import AuditEvent
from openiop.core.services import service
from openiop.core.testing import EnrollmentFactory, PatientFactory
from openiop.domain.consent import Recipient
from openiop.patients.models import EnrollmentStatus
from openiop.privacy import gate
from openiop.privacy.models import Consent, Disclosure

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
PAYER = Recipient("health_plan", "Blue Valley Health", "payer:7")
EMPLOYER = Recipient("employer", "Acme Logistics, Inc.")
CLAIM_DATA = {"billing", "diagnosis", "demographics"}


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def consent(patient: Any, staff: Any, **kw: Any) -> Consent:
    """A signed consent row (the consent pages are another helper's work)."""
    fields: dict[str, Any] = {
        "organization": patient.organization,
        "patient": patient,
        "kind": "tpo",
        "disclosing_party": "Evening IOP",
        "recipient_kind": "health_plan",
        "recipient_name": "treating providers, health plans and payers",
        "purpose": "treatment",
        "data": ["billing", "diagnosis", "demographics", "attendance", "treatment_plan"],
        "signer_name": f"{patient.first_name} {patient.last_name}",
        "signed_on": date(2026, 11, 1),
        "signature_method": "screen",
        "recorded_by": staff,
        "recorded_at": datetime(2026, 11, 1, 14, 0, tzinfo=UTC),
    }
    fields.update(kw)
    return Consent.objects.create(**fields)


def named(patient: Any, staff: Any, **kw: Any) -> Consent:
    fields: dict[str, Any] = {
        "kind": "named",
        "recipient_kind": "employer",
        "recipient_name": "ACME Logistics Inc",
        "purpose": "employment",
        "data": ["attendance"],
        "expires_on": date(2027, 6, 1),
    }
    fields.update(kw)
    return consent(patient, staff, **fields)


def disclose(patient: Any, actor: Any, recipient: Recipient = PAYER, **kw: Any) -> Disclosure:
    args: dict[str, Any] = {
        "recipient": recipient,
        "purpose": "payment",
        "data": CLAIM_DATA,
        "channel": "claim",
        "description": "Claim for November",
        "actor": actor,
    }
    args.update(kw)
    return gate.disclose(patient, **args)


def denials(patient: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action="denied", object_type="privacy.disclosure", patient_id_value=patient.pk
        )
    )


def test_without_any_consent_the_disclosure_is_refused_and_audited_once(world: Any) -> None:
    p = world.patient_a1
    with pytest.raises(gate.DisclosureRefused) as exc:
        disclose(p, world.billing_a1)
    assert "42 CFR 2.31" in str(exc.value) and "Blue Valley Health" in str(exc.value)
    [event] = denials(p)
    assert event.user_id_value == world.billing_a1.pk and "claim" in event.detail
    assert not Disclosure.objects.exists()


def test_the_refusal_is_kept_when_the_callers_service_rolls_back(world: Any) -> None:
    p = world.patient_a1

    @service
    def hand_out() -> None:
        disclose(p, world.billing_a1)

    with pytest.raises(gate.DisclosureRefused):
        hand_out()
    assert len(denials(p)) == 1
    assert not Disclosure.objects.exists()


def test_a_rolled_back_refusal_inside_a_plain_transaction_can_be_recorded_again(
    world: Any,
) -> None:
    p = world.patient_a1
    with pytest.raises(gate.DisclosureRefused) as exc, transaction.atomic():
        disclose(p, world.billing_a1)
    assert denials(p) == []
    exc.value.ensure_recorded()
    exc.value.ensure_recorded()
    assert len(denials(p)) == 1


def test_a_tpo_consent_allows_a_payer_disclosure_and_records_it(world: Any) -> None:
    p = world.patient_a1
    c = consent(p, world.intake_a1)
    made = disclose(p, world.billing_a1, obj=c)
    row = Disclosure.objects.get()
    assert row == made and row.consent == c and row.channel == "claim"
    assert row.recipient_key == "payer:7" and row.purpose == "payment"
    assert row.data == sorted(CLAIM_DATA) and row.made_at == NOW
    assert row.made_by == world.billing_a1
    assert row.object_type == "privacy.consent" and row.object_id == str(c.pk)
    event = AuditEvent.objects.get(action="disclose")
    assert event.patient_id_value == p.pk and event.object_type == "privacy.disclosure"
    assert event.object_id == str(row.pk) and sorted(event.fields) == sorted(CLAIM_DATA)
    assert denials(p) == []


def test_after_revocation_the_same_request_is_refused_naming_it(world: Any) -> None:
    p = world.patient_a1
    c = consent(p, world.intake_a1)
    disclose(p, world.billing_a1)
    c.revoked_at = NOW - timedelta(hours=2)
    c.revoked_by = world.intake_a1
    c.revocation_method = "writing"
    c.save()
    with pytest.raises(gate.DisclosureRefused) as exc:
        disclose(p, world.billing_a1)
    assert "revoked on 07 Dec 2026" in str(exc.value)
    assert Disclosure.objects.count() == 1 and len(denials(p)) == 1


def test_an_expired_consent_is_refused(world: Any) -> None:
    p = world.patient_a1
    consent(p, world.intake_a1, expires_on=NOW.date() - timedelta(days=1))
    with pytest.raises(gate.DisclosureRefused) as exc:
        disclose(p, world.billing_a1)
    assert "expired on 06 Dec 2026" in str(exc.value)


def test_a_consent_ending_with_treatment_ends_when_every_enrolment_is_discharged(
    world: Any,
) -> None:
    p = world.patient_a1
    consent(p, world.intake_a1, ends_with_treatment=True)
    first = EnrollmentFactory.create(patient=p, track=world.track_a1)
    assert gate.check(p, recipient=PAYER, purpose="payment", data=CLAIM_DATA).allowed
    first.status = EnrollmentStatus.DISCHARGED
    first.ends_on = date(2026, 11, 20)
    first.save()
    d = gate.check(p, recipient=PAYER, purpose="payment", data=CLAIM_DATA)
    assert not d.allowed and "ended with treatment on 20 Nov 2026" in d.reason
    # A readmission is a new episode: the consent that ended with the first one stays ended,
    # and the patient signs a new one.
    EnrollmentFactory.create(
        patient=p, track=world.track_a1, starts_on=date(2026, 12, 1), status="active"
    )
    d = gate.check(p, recipient=PAYER, purpose="payment", data=CLAIM_DATA)
    assert not d.allowed and "ended with treatment on 20 Nov 2026" in d.reason
    consent(
        p,
        world.intake_a1,
        ends_with_treatment=True,
        signed_on=date(2026, 12, 1),
        recorded_at=datetime(2026, 12, 1, 16, 0, tzinfo=UTC),
    )
    assert gate.check(p, recipient=PAYER, purpose="payment", data=CLAIM_DATA).allowed


def test_a_named_consent_covers_only_its_recipient_data_and_purpose(world: Any) -> None:
    p = world.patient_a1
    c = named(p, world.intake_a1)
    ok = disclose(
        p, world.counselor_a1, EMPLOYER, purpose="employment", data={"attendance"}, channel="letter"
    )
    assert ok.consent == c
    with pytest.raises(gate.DisclosureRefused, match="names Acme Freight"):
        disclose(
            p,
            world.counselor_a1,
            Recipient("employer", "Acme Freight"),
            purpose="employment",
            data={"attendance"},
            channel="letter",
        )
    with pytest.raises(gate.DisclosureRefused, match="does not include: diagnoses"):
        disclose(
            p,
            world.counselor_a1,
            EMPLOYER,
            purpose="employment",
            data={"attendance", "diagnosis"},
            channel="letter",
        )
    with pytest.raises(gate.DisclosureRefused, match="is for employment"):
        disclose(
            p, world.counselor_a1, EMPLOYER, purpose="legal", data={"attendance"}, channel="letter"
        )
    with pytest.raises(gate.DisclosureRefused):
        disclose(p, world.billing_a1)  # the employer consent says nothing of payers
    assert Disclosure.objects.count() == 1 and len(denials(p)) == 4


def test_counseling_notes_need_their_own_consent_which_covers_nothing_else(world: Any) -> None:
    p = world.patient_a1
    consent(p, world.intake_a1)
    with pytest.raises(gate.DisclosureRefused, match=r"2\.31\(b\)"):
        disclose(p, world.billing_a1, data={"sud_notes"})
    notes = consent(
        p,
        world.intake_a1,
        kind="sud_notes",
        recipient_name="Blue Valley Health",
        recipient_key="payer:7",
        purpose="payment",
        data=["sud_notes"],
        expires_on=date(2027, 1, 1),
        recorded_at=datetime(2026, 11, 2, tzinfo=UTC),
    )
    assert disclose(p, world.billing_a1, data={"sud_notes"}).consent == notes
    only_notes = Recipient("treating_provider", "Dr. Ruiz")
    d = gate.check(p, recipient=only_notes, purpose="treatment", data={"sud_notes"})
    assert not d.allowed
    # The notes consent adds nothing to the claim data: the TPO consent covers that.
    assert disclose(p, world.billing_a1).consent != notes


def test_a_superseded_version_covers_nothing_after_it_was_replaced(world: Any) -> None:
    p = world.patient_a1
    old = named(p, world.intake_a1, superseded_at=NOW - timedelta(days=1))
    args: dict[str, Any] = {"recipient": EMPLOYER, "purpose": "employment", "data": {"attendance"}}
    assert not gate.check(p, **args).allowed
    assert gate.check(p, at=NOW - timedelta(days=2), **args).allowed
    new = named(p, world.intake_a1, version=2, supersedes=old, recorded_at=NOW - timedelta(days=1))
    assert gate.check(p, **args).consent_id == new.pk


def test_a_claim_for_a_service_given_before_revocation_is_still_allowed(world: Any) -> None:
    """42 CFR 2.31(a)(6): treatment given in reliance on the consent may still be billed."""
    from openiop.domain.consent import DisclosureRequest, decide

    p = world.patient_a1
    consent(
        p,
        world.intake_a1,
        revoked_at=NOW - timedelta(days=3),
        revoked_by=world.intake_a1,
        revocation_method="spoken",
    )
    known = gate.load([p.pk])[p.pk]

    def ask(service_at: datetime) -> bool:
        return decide(
            known.consents,
            DisclosureRequest(PAYER, "payment", frozenset(CLAIM_DATA), NOW, None, service_at),
        ).allowed

    assert ask(NOW - timedelta(days=10))
    assert not ask(NOW - timedelta(days=1))
    assert not gate.check(p, recipient=PAYER, purpose="payment", data=CLAIM_DATA).allowed
    decision = decide(
        known.consents,
        DisclosureRequest(
            PAYER, "payment", frozenset(CLAIM_DATA), NOW, None, NOW - timedelta(days=10)
        ),
    )
    row = gate.record(
        p,
        decision,
        recipient=PAYER,
        purpose="payment",
        data=CLAIM_DATA,
        channel="claim",
        description="Claim for services before revocation",
    )
    assert row.consent_id == decision.consent_id


def test_refusal_without_raising_still_writes_its_audit_event(world: Any) -> None:
    p = world.patient_a1
    d = gate.check(p, recipient=PAYER, purpose="payment", data=CLAIM_DATA)
    exc = gate.refusal(p, d, recipient=PAYER, purpose="payment", channel="claim")
    assert isinstance(exc, gate.DisclosureRefused) and len(denials(p)) == 1


def test_an_unknown_channel_is_a_programming_error(world: Any) -> None:
    with pytest.raises(ValueError, match="channel"):
        disclose(world.patient_a1, world.billing_a1, channel="fax")


def test_checker_costs_the_same_queries_for_1_and_10_patients(
    world: Any, django_assert_num_queries: Any
) -> None:
    patients = [
        PatientFactory.create(site=world.site_a1, program=world.program_a1) for _ in range(10)
    ]
    for i, p in enumerate(patients):
        if i % 2:
            consent(p, world.intake_a1)
        EnrollmentFactory.create(patient=p, track=world.track_a1)
    with django_assert_num_queries(3):
        one = gate.checker([patients[1].pk], recipient=PAYER, purpose="payment", data=CLAIM_DATA)
    with django_assert_num_queries(3):
        ten = gate.checker(
            [p.pk for p in patients], recipient=PAYER, purpose="payment", data=CLAIM_DATA
        )
    assert one[patients[1].pk].allowed
    assert [ten[p.pk].allowed for p in patients] == [bool(i % 2) for i in range(10)]


def test_the_notice_and_summary_say_what_2_32_asks(world: Any) -> None:
    c = named(p := world.patient_a1, world.intake_a1, data_detail="November 2026 only")
    summary = gate.consent_summary(c)
    assert summary.startswith(f"Disclosed under the written consent signed by {p.first_name}")
    assert "to ACME Logistics Inc" in summary and "employment (proof of attendance)" in summary
    assert "dates and hours attended (November 2026 only)" in summary
    assert "until 01 June 2027" in summary
    tpo = consent(
        p,
        world.intake_a1,
        ends_with_treatment=True,
        signer_relation="guardian",
        signer_name="Ana Quintero",
    )
    summary = gate.consent_summary(tpo)
    assert "Ana Quintero (legal guardian)" in summary and "until the end of treatment" in summary
    assert "health plans, third-party payers" in summary
    assert "42 CFR 2.64 or 2.65" in gate.NOTICE and "42 CFR 2.31" in gate.NOTICE


def test_treatment_episodes_from_enrolments() -> None:
    from datetime import date as d

    from openiop.privacy.gate import episode_ends

    # Two overlapping tracks, a gap, then a readmission still open.
    spans = [
        (d(2026, 1, 5), d(2026, 3, 1)),
        (d(2026, 2, 1), d(2026, 3, 10)),
        (d(2026, 6, 1), None),
    ]
    assert episode_ends(spans) == ([d(2026, 3, 10)], True)
    # Back-to-back enrolments (a transfer the next day) are one episode.
    assert episode_ends([(d(2026, 1, 5), d(2026, 2, 1)), (d(2026, 2, 2), d(2026, 4, 1))]) == (
        [d(2026, 4, 1)],
        False,
    )
    assert episode_ends([]) == ([], False)


def test_days_are_the_sites_days_and_a_late_consent_ends_with_past_treatment(world: Any) -> None:
    from datetime import timedelta

    p = world.patient_a1
    site = p.site
    site.timezone = "America/Los_Angeles"
    site.save(update_fields=["timezone"])
    # NOW is 15:00 UTC on 7 Dec = 07:00 in Los Angeles: a consent that expires on 7 Dec
    # still covers the whole Los Angeles day, and one that expired on 6 Dec does not.
    c = consent(p, world.intake_a1, expires_on=date(2026, 12, 7))
    assert gate.check(p, recipient=PAYER, purpose="payment", data=CLAIM_DATA).allowed
    with time_machine.travel(datetime(2026, 12, 8, 7, 59, tzinfo=UTC), tick=False):
        # 23:59 on 7 Dec in Los Angeles, already 8 Dec in UTC
        assert gate.check(p, recipient=PAYER, purpose="payment", data=CLAIM_DATA).allowed
    c.delete()
    # Treatment ended on 20 Nov; a consent "until the end of treatment" signed afterwards,
    # with no new admission, has already ended.
    EnrollmentFactory.create(
        patient=p,
        track=world.track_a1,
        starts_on=date(2026, 10, 1),
        ends_on=date(2026, 11, 20),
        status=EnrollmentStatus.DISCHARGED,
    )
    consent(
        p,
        world.intake_a1,
        ends_with_treatment=True,
        signed_on=date(2026, 12, 1),
        recorded_at=NOW - timedelta(days=6),
    )
    d = gate.check(p, recipient=PAYER, purpose="payment", data=CLAIM_DATA)
    assert not d.allowed and "ended with treatment on 20 Nov 2026" in d.reason
