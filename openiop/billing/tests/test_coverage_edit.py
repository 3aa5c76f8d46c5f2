"""Coverage of a patient who is not the subscriber: the add form, the edit page, the
subscriber-name migration, and a claim with the patient loop (837 loop 2000C)."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from openiop.billing import services
from openiop.billing.models import Claim, ClaimStatus, Coverage, Payer
from openiop.billing.tests.claims_factories import MON, charges, patient, payer, provider
from openiop.core.models import AuditEvent
from openiop.core.testing import login
from openiop.domain.claims import validate

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _payer(world: Any) -> Payer:
    return payer(world.org_a, "professional", pid="ACME")


def _coverage(world: Any, who: Any) -> Coverage:
    return Coverage.objects.create(
        patient=who,
        rank=1,
        payer=_payer(world),
        member_id="M1",
        eligibility_checked_on=date(2026, 11, 1),
        guarantor_name="Self",
        created_by=world.admin_a,
        created_at=NOW,
    )


EDIT = {
    "member_id": "XJH442100",
    "relationship": "child",
    "subscriber_last_name": "Garcia",
    "subscriber_first_name": "Maria",
    "eligibility_checked_on": "2026-11-18",
    "guarantor_name": "Maria Garcia",
}


def _denials(user: Any) -> int:
    return AuditEvent.objects.filter(action="denied", user_id_value=user.pk).count()


def test_edit_page_changes_the_coverage_and_is_audited(client: Client, world: Any) -> None:
    cov = _coverage(world, world.patient_a1)
    login(client, world.billing_a1)
    url = reverse("billing:coverage_edit", args=[cov.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Subscriber&#x27;s last name" in page.content.decode()
    response = client.post(url, EDIT)
    assert response.status_code == 302
    cov.refresh_from_db()
    assert (cov.relationship, cov.subscriber_last_name, cov.subscriber_first_name) == (
        "child",
        "Garcia",
        "Maria",
    )
    assert cov.member_id == "XJH442100" and cov.eligibility_checked_on == date(2026, 11, 18)
    assert cov.rank == 1 and cov.payer is not None  # payer and rank stay
    event = AuditEvent.objects.filter(action="change", object_type="billing.coverage").get()
    assert event.object_id == str(cov.pk)
    body = client.get(reverse("billing:coverage", args=[world.patient_a1.pk])).content.decode()
    assert "Garcia, Maria" in body and "Change this coverage" in body


def test_edit_bad_input_is_422_with_the_form_errors_and_nothing_saved(
    client: Client, world: Any
) -> None:
    cov = _coverage(world, world.patient_a1)
    login(client, world.billing_a1)
    url = reverse("billing:coverage_edit", args=[cov.pk])
    response = client.post(url, {**EDIT, "subscriber_last_name": ""})
    assert response.status_code == 422
    assert "Give the subscriber&#x27;s last name" in response.content.decode()
    # refused by the service: shown on the form the same way
    response = client.post(url, {**EDIT, "eligibility_checked_on": "2026-12-25"})
    assert response.status_code == 422
    assert "cannot be in the future" in response.content.decode()
    cov.refresh_from_db()
    assert cov.relationship == "self" and cov.member_id == "M1"
    assert not AuditEvent.objects.filter(action="change").exists()


def test_edit_refusals_another_site_404_another_role_403(client: Client, world: Any) -> None:
    other_site = _coverage(world, world.patient_a2)  # site A2: billing_a1 works at A1 only
    mine = Coverage.objects.create(
        patient=world.patient_a1,
        rank=1,
        payer=other_site.payer,
        member_id="M1",
        created_by=world.admin_a,
        created_at=NOW,
    )
    for user, cov, status in (
        (world.billing_a1, other_site, 404),
        (world.admin_b, mine, 404),
        (world.counselor_a1, mine, 403),
    ):
        login(client, user)
        for method in ("get", "post"):
            before = _denials(user)
            url = reverse("billing:coverage_edit", args=[cov.pk])
            response = getattr(client, method)(url, EDIT if method == "post" else None)
            assert response.status_code == status, (user, method)
            assert _denials(user) == before + 1
            assert "Bruno" not in response.content.decode()
    assert not Coverage.objects.filter(relationship="child").exists()
    login(client, world.billing_a1)
    assert (
        client.get(reverse("billing:coverage_edit", args=[99_999_999_999_999_999_999])).status_code
        == 404
    )


def test_add_form_needs_the_subscriber_names_when_not_self(client: Client, world: Any) -> None:
    login(client, world.billing_a1)
    url = reverse("billing:coverage_add", args=[world.patient_a1.pk])
    data = {"rank": "1", "payer": _payer(world).pk, "relationship": "spouse"}
    response = client.post(url, data)
    assert response.status_code == 422 and not Coverage.objects.exists()
    assert "Give the subscriber&#x27;s first name" in response.content.decode()
    data |= {"subscriber_last_name": " Okafor ", "subscriber_first_name": "Ada"}
    assert client.post(url, data).status_code == 302
    cov = Coverage.objects.get()
    assert (cov.subscriber_last_name, cov.subscriber_first_name) == ("Okafor", "Ada")


def test_service_refuses_missing_names_and_keeps_none_for_self(world: Any) -> None:
    from django.core.exceptions import ValidationError

    args: dict[str, Any] = {
        "actor": world.billing_a1,
        "patient": world.patient_a1,
        "rank": 1,
        "self_pay": False,
        "payer": _payer(world),
        "member_id": "M1",
        "eligibility_checked_on": None,
        "guarantor_name": "",
        "signed_in": False,
    }
    with pytest.raises(ValidationError) as err:
        services.coverage_add(**args, relationship="other")
    assert set(err.value.message_dict) == {"subscriber_last_name", "subscriber_first_name"}
    cov = services.coverage_add(
        **args, relationship="self", subscriber_last_name="X", subscriber_first_name="Y"
    )
    assert (cov.subscriber_last_name, cov.subscriber_first_name) == ("", "")


def test_a_child_coverage_builds_a_ready_claim_with_the_patient_loop(world: Any) -> None:
    provider(world.org_a)
    who = _payer(world)
    teen = patient(world, who)
    Coverage.objects.filter(patient=teen).update(
        relationship="child", subscriber_last_name="Garcia", subscriber_first_name="Maria"
    )
    charges(world, teen, who, 2)
    result = services.build_claims(
        actor=world.billing_a1, first_day=MON, last_day=MON + timedelta(days=6), signed_in=False
    )
    (claim_file,) = result.files
    claim = Claim.objects.get(patient=teen)
    assert claim.status == ClaimStatus.READY and claim.problems == []
    text = claim_file.text
    assert validate(text) == []
    assert "HL*2*1*22*1~SBR*P********CI~NM1*IL*1*GARCIA*MARIA****MI*W123456789~" in text
    last, first = teen.last_name.upper(), teen.first_name.upper()
    assert f"HL*3*2*23*0~PAT*19~NM1*QC*1*{last}*{first}~N3*12 OAK AVE~" in text


def test_a_child_coverage_without_subscriber_names_stays_a_draft(world: Any) -> None:
    provider(world.org_a)
    who = _payer(world)
    teen = patient(world, who)
    Coverage.objects.filter(patient=teen).update(relationship="child")
    charges(world, teen, who, 1)
    services.build_claims(actor=world.billing_a1, first_day=MON, last_day=MON, signed_in=False)
    claim = Claim.objects.get(patient=teen)
    assert claim.status == ClaimStatus.DRAFT
    assert "subscriber's name is missing" in claim.problems[0]["message"]


@pytest.mark.parametrize(
    ("name", "last", "first"),
    [
        ("Maria Garcia", "Garcia", "Maria"),
        ("Ana Lucia de Souza", "Souza", "Ana Lucia de"),
        ("Garcia, Maria", "Garcia", "Maria"),
        ("  Okafor ,  Ada  B ", "Okafor", "Ada B"),
        ("Cher", "Cher", ""),
        ("", "", ""),
    ],
)
def test_migration_splits_the_old_free_text_name(name: str, last: str, first: str) -> None:
    migration = importlib.import_module("openiop.billing.migrations.0005_coverage_subscriber_names")
    assert migration.split_name(name) == (last, first)
