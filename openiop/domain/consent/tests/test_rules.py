"""`decide` and `missing_elements`: which consent covers a disclosure, and why not (42 CFR
2.31, 2.35). Pure functions: no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from openiop.domain.consent import (
    ConsentFacts,
    ConsentKind,
    DisclosureRequest,
    Recipient,
    decide,
    missing_elements,
    same_name,
)

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
PAYER = Recipient("health_plan", "Blue Valley Health", "payer:3")
EMPLOYER = Recipient("employer", "Acme Logistics, Inc.")


def tpo(**kw: object) -> ConsentFacts:
    base = ConsentFacts(
        id=1,
        kind=ConsentKind.TPO,
        recipient=Recipient("health_plan", "health plans"),
        purpose="treatment",
        data=frozenset({"billing", "diagnosis", "demographics", "attendance"}),
        signed_on=date(2026, 1, 5),
        effective_at=datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
        label="The TPO consent",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def named(**kw: object) -> ConsentFacts:
    base = ConsentFacts(
        id=2,
        kind=ConsentKind.NAMED,
        recipient=Recipient("employer", "ACME logistics inc"),
        purpose="employment",
        data=frozenset({"attendance"}),
        signed_on=date(2026, 2, 1),
        effective_at=datetime(2026, 2, 1, 9, 0, tzinfo=UTC),
        expires_on=date(2027, 2, 1),
        label="The consent for Acme",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def ask(recipient: Recipient = PAYER, purpose: str = "payment", **kw: object) -> DisclosureRequest:
    data = kw.pop("data", {"billing", "diagnosis", "demographics"})
    return DisclosureRequest(
        recipient=recipient,
        purpose=purpose,
        data=frozenset(data),  # type: ignore[arg-type]
        at=kw.pop("at", NOW),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def test_no_consent_refuses_and_cites_the_rule() -> None:
    d = decide([], ask())
    assert not d.allowed and d.consent_id is None
    assert "Blue Valley Health" in d.reason and "42 CFR 2.31" in d.reason


def test_tpo_consent_covers_a_payer_for_payment() -> None:
    d = decide([tpo()], ask())
    assert d.allowed and d.consent_id == 1 and d.reason == ""


def test_tpo_consent_does_not_cover_an_employer_or_another_purpose() -> None:
    assert not decide([tpo()], ask(EMPLOYER, "employment", data={"attendance"})).allowed
    d = decide([tpo()], ask(purpose="legal"))
    assert not d.allowed and "not court" in d.reason


def test_revoked_consent_refuses_naming_the_revocation() -> None:
    d = decide([tpo(revoked_at=NOW - timedelta(hours=1))], ask())
    assert not d.allowed and "revoked on 07 Dec 2026" in d.reason


def test_revocation_after_the_service_keeps_the_claim_in_reliance() -> None:
    # 42 CFR 2.31(a)(6): treatment given in reliance on the consent can still be billed.
    revoked = tpo(revoked_at=NOW - timedelta(days=2))
    assert decide([revoked], ask(relied_on=NOW - timedelta(days=10))).allowed
    assert not decide([revoked], ask(relied_on=NOW - timedelta(days=1))).allowed


def test_a_service_given_before_expiry_or_discharge_can_still_be_billed() -> None:
    # Reliance covers the consent that was valid on the day of service: an expiry or the end
    # of treatment after that day does not stop the claim; a service after it is not covered.
    expired = tpo(expires_on=NOW.date() - timedelta(days=3))
    assert decide([expired], ask(relied_on=NOW - timedelta(days=5))).allowed
    assert not decide([expired], ask(relied_on=NOW - timedelta(days=1))).allowed
    ended = tpo(ends_with_treatment=True)
    discharged = NOW.date() - timedelta(days=3)
    assert decide(
        [ended], ask(relied_on=NOW - timedelta(days=5), treatment_ended_on=discharged)
    ).allowed
    assert not decide([ended], ask(treatment_ended_on=discharged)).allowed


def test_expiry_is_inclusive_of_its_day() -> None:
    assert decide([tpo(expires_on=NOW.date())], ask()).allowed
    d = decide([tpo(expires_on=NOW.date() - timedelta(days=1))], ask())
    assert not d.allowed and "expired on 06 Dec 2026" in d.reason


def test_not_yet_in_effect_and_unsigned() -> None:
    assert (
        "not yet in effect" in decide([tpo(effective_at=NOW + timedelta(minutes=1))], ask()).reason
    )
    assert "not been signed" in decide([tpo(signed_on=None)], ask()).reason


def test_consent_ending_with_treatment() -> None:
    c = tpo(ends_with_treatment=True)
    assert decide([c], ask(treatment_ended_on=None)).allowed
    assert decide([c], ask(treatment_ended_on=NOW.date())).allowed  # the last day still counts
    d = decide([c], ask(treatment_ended_on=NOW.date() - timedelta(days=1)))
    assert not d.allowed and "ended with treatment" in d.reason


def test_named_consent_covers_its_recipient_whatever_the_case_and_punctuation() -> None:
    assert decide([named()], ask(EMPLOYER, "employment", data={"attendance"})).allowed
    other = Recipient("employer", "Acme Freight")
    d = decide([named()], ask(other, "employment", data={"attendance"}))
    assert not d.allowed and "names Acme Freight" in d.reason


def test_named_consent_covers_only_its_data_and_purpose() -> None:
    d = decide([named()], ask(EMPLOYER, "employment", data={"attendance", "diagnosis"}))
    assert not d.allowed and "does not include: diagnoses" in d.reason
    d = decide([named()], ask(EMPLOYER, "legal", data={"attendance"}))
    assert not d.allowed and "is for employment" in d.reason


def test_a_recipient_key_decides_over_the_name() -> None:
    c = named(
        recipient=Recipient("health_plan", "Blue Valley", "payer:3"),
        purpose="payment",
        data=frozenset({"billing"}),
    )
    assert decide([c], ask(Recipient("health_plan", "BVH", "payer:3"), data={"billing"})).allowed
    assert not decide(
        [c], ask(Recipient("health_plan", "Blue Valley", "payer:4"), data={"billing"})
    ).allowed


def test_counseling_notes_need_their_own_consent_which_covers_nothing_else() -> None:
    notes = tpo(
        id=5,
        kind=ConsentKind.SUD_NOTES,
        recipient=PAYER,
        data=frozenset({"sud_notes"}),
        purpose="payment",
    )
    d = decide([tpo()], ask(data={"sud_notes"}))
    assert not d.allowed and "42 CFR 2.31(b)" in d.reason
    assert decide([notes], ask(data={"sud_notes"})).allowed
    d = decide([notes], ask(data={"sud_notes", "billing"}))
    assert not d.allowed and "notes only" in d.reason
    assert decide([notes], ask(data={"billing"})).allowed is False


def test_superseded_version_covers_nothing_after_it_was_replaced() -> None:
    old = tpo(superseded_at=NOW - timedelta(days=1))
    assert not decide([old], ask()).allowed
    assert decide([old], ask(at=NOW - timedelta(days=2))).allowed
    new = tpo(id=9, effective_at=NOW - timedelta(days=1), data=frozenset({"billing"}))
    d = decide([old, new], ask())
    assert not d.allowed and "does not include" in d.reason


def test_the_newest_covering_consent_is_chosen_and_the_newest_problem_explains() -> None:
    a = tpo(id=1)
    b = tpo(id=2, effective_at=datetime(2026, 6, 1, tzinfo=UTC))
    assert decide([a, b], ask()).consent_id == 2
    revoked = tpo(
        id=3, effective_at=datetime(2026, 7, 1, tzinfo=UTC), revoked_at=NOW - timedelta(days=1)
    )
    expired = tpo(id=4, expires_on=date(2026, 3, 1))
    d = decide([expired, revoked], ask())
    assert not d.allowed and "revoked" in d.reason and "expired" in d.notes[0]


def test_empty_or_unknown_data_is_refused() -> None:
    assert not decide([tpo()], ask(data=set())).allowed
    assert "Unknown" in decide([tpo()], ask(data={"x-rays"})).reason


def test_same_name_ignores_case_spacing_and_punctuation_but_not_emptiness() -> None:
    assert same_name("ACME  Logistics, Inc.", "acme logistics inc")
    assert not same_name("", "")
    assert not same_name("--", "..")


def _elements(**kw: object) -> dict[str, str]:
    args: dict[str, object] = {
        "kind": ConsentKind.NAMED,
        "recipient_name": "Acme",
        "recipient_kind": "employer",
        "purpose": "employment",
        "data": ["attendance"],
        "expires_on": date(2027, 1, 1),
        "ends_with_treatment": False,
        "signer_name": "Rosa Linares",
        "signed_on": date(2026, 12, 1),
        "disclosing_party": "Evening IOP",
    }
    args.update(kw)
    return missing_elements(**args)  # type: ignore[arg-type]


def test_a_complete_named_consent_lacks_nothing() -> None:
    assert _elements() == {}


def test_missing_elements_name_their_fields_and_the_rule() -> None:
    errors = _elements(
        recipient_name=" ",
        recipient_kind="",
        purpose="",
        data=[],
        expires_on=None,
        signer_name="",
        signed_on=None,
        disclosing_party="",
    )
    assert set(errors) == {
        "recipient_name",
        "recipient_kind",
        "purpose",
        "data",
        "expires_on",
        "signer_name",
        "signed_on",
        "disclosing_party",
    }
    assert "2.31(a)(4)" in errors["recipient_name"] and "2.31(a)(7)" in errors["expires_on"]


def test_tpo_consent_needs_no_expiry_or_name_but_only_tpo_recipients() -> None:
    ok = _elements(
        kind=ConsentKind.TPO,
        recipient_name="",
        recipient_kind="health_plan",
        purpose="treatment",
        expires_on=None,
    )
    assert ok == {}
    bad = _elements(kind=ConsentKind.TPO, recipient_kind="employer", expires_on=None)
    assert set(bad) == {"recipient_kind"}


def test_notes_and_other_data_never_share_a_consent() -> None:
    assert "data" in _elements(kind=ConsentKind.SUD_NOTES, data=["sud_notes", "diagnosis"])
    assert "data" in _elements(data=["sud_notes", "attendance"])
    assert _elements(kind=ConsentKind.SUD_NOTES, data=["sud_notes"]) == {}
    assert _elements(data=["x-rays"])["data"] == "Unknown kind of information."


def test_expiry_rules() -> None:
    assert "not both" in _elements(ends_with_treatment=True)["expires_on"]
    assert "before it was signed" in _elements(expires_on=date(2026, 11, 1))["expires_on"]
    assert _elements(expires_on=None, ends_with_treatment=True) == {}
    assert "research" in _elements(kind=ConsentKind.RESEARCH, purpose="employment")["purpose"]


def test_a_consent_recorded_after_the_service_gives_no_reliance() -> None:
    # Service on day -10, consent recorded on day -8, revoked on day -5: the service was not
    # given in reliance on it, so the claim may not go out under it now.
    late = tpo(
        effective_at=NOW - timedelta(days=8),
        revoked_at=NOW - timedelta(days=5),
    )
    d = decide([late], ask(relied_on=NOW - timedelta(days=10)))
    assert not d.allowed and "revoked" in d.reason


def test_a_tpo_consent_covers_only_the_patients_own_providers_and_plans() -> None:
    # "my treating providers, health plans, ..." (42 CFR 2.31(a)(4)(i)): a plan or provider
    # the program cannot tie to the patient needs a consent naming it.
    stranger = Recipient("health_plan", "Another Plan", "fhir-client:9", serves_patient=False)
    d = decide([tpo()], ask(recipient=stranger))
    assert not d.allowed and "No consent from this patient covers Another Plan" in d.reason
    named = replace(
        tpo(),
        id=2,
        kind=ConsentKind.NAMED,
        recipient=Recipient("health_plan", "Another Plan", "fhir-client:9"),
        purpose="payment",
    )
    assert decide([tpo(), named], ask(recipient=stranger)).consent_id == 2


def test_a_replaced_version_keeps_covering_what_was_done_in_reliance_on_it() -> None:
    # Version 1 was in effect on the day of service and replaced later: the claim for that
    # day may still go; for a service after the replacement it covers nothing.
    v1 = tpo(superseded_at=NOW - timedelta(days=3))
    assert decide([v1], ask(relied_on=NOW - timedelta(days=5))).allowed
    d = decide([v1], ask(relied_on=NOW - timedelta(days=1)))
    assert not d.allowed and "No consent from this patient" in d.reason
