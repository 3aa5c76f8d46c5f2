"""Acknowledgment files of sent claims: a 999 for the file, a 277CA for each claim."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from openiop.billing import claim_status
from openiop.billing.models import Acknowledgment, Claim, ClaimEvent, ClaimFile, ClaimStatus
from openiop.billing.tests.claims_factories import MON, NOW, charges, patient, payer, provider
from openiop.billing.tests.test_claim_status import build
from openiop.core.models import AuditEvent
from openiop.core.policy import Refused
from openiop.core.testing import login
from openiop.domain.claims.ack_text import (
    ClaimStatus as Answer,
)
from openiop.domain.claims.ack_text import (
    ElementError,
    SegmentError,
    SetResult,
    write_277ca,
    write_999,
)

CREATED = datetime(2026, 11, 21, 9, 30)  # noqa: DTZ001 - an input of the file, not the clock


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def sent(world: Any, django_capture_on_commit_callbacks: Any) -> list[Claim]:
    provider(world.org_a)
    who = payer(world.org_a, "professional", pid="ACME")
    for _ in range(2):
        charges(world, patient(world, who), who, 2)
    claims = build(world, django_capture_on_commit_callbacks)
    assert claims[0].claim_file_id is not None
    claim_status.mark_file_sent(
        actor=world.billing_a1, file_id=claims[0].claim_file_id, signed_in=False
    )
    return list(Claim.objects.order_by("pk"))


def _999(claim_file: ClaimFile, code: str = "A", *, icn: int = 901) -> str:
    errors = (
        (SegmentError("NM1", 12, "8", "2010", (ElementError(9, "7", reference="67"),)),)
        if code == "R"
        else ()
    )
    return write_999(
        [SetResult(claim_file.pk, code, errors)],
        group_control_number=claim_file.pk,
        interchange_control_number=icn,
        created=CREATED,
    )


def _277(claims: list[tuple[Claim, str, str]], *, icn: int = 902) -> str:
    return write_277ca(
        [
            Answer(
                c.control_number,
                c.patient.last_name.upper(),
                c.patient.first_name.upper(),
                "W123456789",
                category,
                code,
                c.total,
                c.first_day,
                c.last_day,
                payer_claim_number="PCN" + str(c.pk) if category == "A2" else "",
            )
            for c, category, code in claims
        ],
        payer_name="PAYER ACME",
        payer_id="ACME",
        submitter_name="EXAMPLE RECOVERY IOP",
        submitter_id="EXIOP001",
        provider_name="EXAMPLE RECOVERY IOP",
        provider_npi="1234567893",
        interchange_control_number=icn,
        created=CREATED,
    )


def _import(world: Any, text: str) -> Acknowledgment:
    return claim_status.import_acknowledgment(actor=world.billing_a1, text=text, signed_in=False)


def test_an_accepted_999_keeps_the_claims_sent(world: Any, sent: list[Claim]) -> None:
    claim_file = sent[0].claim_file
    assert claim_file is not None
    ack = _import(world, _999(claim_file))
    assert ack.summary["file_accepted"] is True and ack.kind == "999"
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.SUBMITTED}
    assert AuditEvent.objects.filter(detail__startswith="999 imported").exists()


def test_a_rejected_999_rejects_every_claim_of_the_file_with_the_errors(
    world: Any, sent: list[Claim]
) -> None:
    claim_file = sent[0].claim_file
    assert claim_file is not None
    ack = _import(world, _999(claim_file, "R"))
    assert ack.summary["file_accepted"] is False and ack.summary["rejected"] == 2
    assert ClaimFile.objects.get(pk=claim_file.pk).status == ClaimStatus.REJECTED
    event = ClaimEvent.objects.filter(to_status=ClaimStatus.REJECTED).first()
    assert event is not None and event.source == "999" and "NM1" in event.codes
    assert "NM1" not in event.note and "could not read the file" in event.note
    # A rejected claim is withdrawn, then built again
    claim_status.withdraw_claim(
        actor=world.billing_a1, claim_id=sent[0].pk, note="fixed the payer id", signed_in=False
    )


def test_a_277ca_accepts_one_claim_and_rejects_the_other(world: Any, sent: list[Claim]) -> None:
    ack = _import(world, _277([(sent[0], "A2", "20"), (sent[1], "A7", "562")]))
    assert ack.summary == {"accepted": 1, "rejected": 1, "unchanged": 0}
    first, second = (Claim.objects.get(pk=c.pk) for c in sent)
    assert (first.status, second.status) == (ClaimStatus.ACCEPTED, ClaimStatus.REJECTED)
    event = second.events.get(to_status=ClaimStatus.REJECTED)
    assert event.source == "277ca" and event.codes == "A7:562" and "invalid" in event.note


def test_a_receipt_without_a_decision_changes_nothing(world: Any, sent: list[Claim]) -> None:
    ack = _import(world, _277([(sent[0], "A1", "19")]))
    assert ack.summary == {"accepted": 0, "rejected": 0, "unchanged": 1}
    assert Claim.objects.get(pk=sent[0].pk).status == ClaimStatus.SUBMITTED


def test_the_same_file_twice_and_unknown_claims_import_nothing(
    world: Any, sent: list[Claim], django_capture_on_commit_callbacks: Any
) -> None:
    text = _277([(sent[0], "A2", "20")])
    _import(world, text)
    with pytest.raises(ValidationError, match="already been imported"):
        _import(world, text)
    other = Claim(
        control_number="OI9-0009999",
        patient=sent[1].patient,
        total=Decimal("10.00"),
        first_day=MON,
        last_day=MON,
    )
    with pytest.raises(ValidationError, match="not one of ours"):
        _import(world, _277([(sent[1], "A2", "20"), (other, "A2", "20")], icn=903))
    assert Claim.objects.get(pk=sent[1].pk).status == ClaimStatus.SUBMITTED
    assert Acknowledgment.objects.count() == 1


def test_acknowledging_a_file_not_marked_sent_is_refused_in_words(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    provider(world.org_a)
    who = payer(world.org_a, "professional", pid="ACME")
    charges(world, patient(world, who), who, 2)
    claims = build(world, django_capture_on_commit_callbacks)
    assert claims[0].claim_file is not None
    with pytest.raises(ValidationError, match="has not been marked as sent"):
        _import(world, _999(claims[0].claim_file))
    with pytest.raises(ValidationError, match="has not been marked as sent"):
        _import(world, _277([(claims[0], "A2", "20")]))
    assert not Acknowledgment.objects.exists()


@pytest.mark.parametrize(
    "text",
    ["", "hello", "ISA*00*" + "x" * 200, "\x00\x01binary"],
)
def test_unreadable_files_are_refused_with_the_reason(world: Any, text: str) -> None:
    with pytest.raises(ValidationError, match="cannot be read"):
        _import(world, text)


def test_another_organization_cannot_acknowledge_our_file(world: Any, sent: list[Claim]) -> None:
    claim_file = sent[0].claim_file
    assert claim_file is not None
    with pytest.raises(Refused):
        claim_status.import_acknowledgment(
            actor=world.counselor_a1, text=_999(claim_file), signed_in=False
        )
    with pytest.raises(ValidationError, match="not one of ours"):
        claim_status.import_acknowledgment(
            actor=world.admin_b, text=_999(claim_file, "R"), signed_in=False
        )
    assert ClaimFile.objects.get(pk=claim_file.pk).status == ClaimStatus.SUBMITTED


def test_the_page_imports_a_file_and_shows_the_result(
    client: Client, world: Any, sent: list[Claim]
) -> None:
    login(client, world.billing_a1)
    url = reverse("billing:acknowledgments")
    upload = SimpleUploadedFile("ack.277", _277([(sent[0], "A7", "562")]).encode())
    response = client.post(url, {"file": upload}, follow=True)
    page = response.content.decode()
    assert "1 rejected" in page and "Claim acknowledgment (277CA)" in page
    bad = SimpleUploadedFile("ack.999", b"not x12 at all")
    response = client.post(url, {"file": bad})
    assert response.status_code == 422 and "The file cannot be read" in response.content.decode()
    denials = client.get(reverse("billing:denials")).content.decode()
    assert sent[0].control_number in denials and "information invalid" in denials


def test_the_page_is_refused_to_other_roles(client: Client, world: Any, sent: list[Claim]) -> None:
    url = reverse("billing:acknowledgments")
    login(client, world.counselor_a1)
    assert client.get(url).status_code == 403
    login(client, world.director_a)
    assert client.get(url).status_code == 200
    upload = SimpleUploadedFile("ack.277", _277([(sent[0], "A2", "20")]).encode())
    assert client.post(url, {"file": upload}).status_code == 403
    assert Claim.objects.get(pk=sent[0].pk).status == ClaimStatus.SUBMITTED


def test_a_999_for_another_transaction_of_the_same_group_number_is_refused(
    world: Any, sent: list[Claim]
) -> None:
    claim_file = sent[0].claim_file
    assert claim_file is not None
    institutional = write_999(
        [SetResult(claim_file.pk, "R")],
        group_control_number=claim_file.pk,
        interchange_control_number=904,
        created=CREATED,
        version="005010X223A2",  # our file is professional
    )
    other_set = write_999(
        [SetResult(claim_file.pk + 1, "R")],
        group_control_number=claim_file.pk,
        interchange_control_number=905,
        created=CREATED,
    )
    for text in (institutional, other_set):
        with pytest.raises(ValidationError, match="not the claims we sent"):
            _import(world, text)
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.SUBMITTED}


def test_two_senders_may_use_the_same_control_number(world: Any, sent: list[Claim]) -> None:
    claim_file = sent[0].claim_file
    assert claim_file is not None
    _import(world, _999(claim_file, icn=906))
    payer_side = write_999(
        [SetResult(claim_file.pk, "A")],
        group_control_number=claim_file.pk,
        interchange_control_number=906,
        created=CREATED,
        sender="PAYERACME",
    )
    _import(world, payer_side)
    assert Acknowledgment.objects.count() == 2
