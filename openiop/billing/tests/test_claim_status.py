"""A claim's life after it is built: sent, answered, appealed, withdrawn and built again; the
claim files page and the download. Acknowledgment files are in test_acknowledgments.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from openiop.billing import claim_status, services
from openiop.billing.models import Charge, Claim, ClaimEvent, ClaimFile, ClaimStatus
from openiop.billing.tests.claims_factories import MON, NOW, charges, patient, payer, provider
from openiop.billing.tests.test_claims import _remit
from openiop.core.models import AuditEvent
from openiop.core.policy import Refused
from openiop.core.testing import login
from openiop.core.testing_tasks import run_tasks

SUN = MON + timedelta(days=6)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def build(world: Any, capture: Any) -> list[Claim]:
    """Build this week's claims and run their check, as the queue would."""
    with capture(execute=True):
        services.build_claims(actor=world.billing_a1, first_day=MON, last_day=SUN, signed_in=False)
    run_tasks()
    return list(Claim.objects.exclude(status=ClaimStatus.VOID).order_by("pk"))


@pytest.fixture
def two_claims(world: Any, django_capture_on_commit_callbacks: Any) -> list[Claim]:
    provider(world.org_a)
    who = payer(world.org_a, "professional", pid="ACME")
    for _ in range(2):
        p = patient(world, who)
        charges(world, p, who, 2)
    claims = build(world, django_capture_on_commit_callbacks)
    assert [c.status for c in claims] == [ClaimStatus.READY, ClaimStatus.READY]
    return claims


def _sent(world: Any, claims: list[Claim]) -> ClaimFile:
    claim_file = claims[0].claim_file
    assert claim_file is not None
    return claim_status.mark_file_sent(
        actor=world.billing_a1, file_id=claim_file.pk, signed_in=False
    )


def test_marking_a_file_sent_submits_its_claims_with_history(
    world: Any, two_claims: list[Claim]
) -> None:
    claim_file = _sent(world, two_claims)
    assert (
        claim_file.status == ClaimStatus.SUBMITTED and claim_file.submitted_by == world.billing_a1
    )
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.SUBMITTED}
    events = ClaimEvent.objects.filter(to_status=ClaimStatus.SUBMITTED)
    assert events.count() == 2 and {e.by for e in events} == {world.billing_a1}
    assert AuditEvent.objects.filter(detail__startswith="claim file marked as sent").exists()
    with pytest.raises(ValidationError, match="Only a file whose check found no problems"):
        _sent(world, two_claims)


def test_a_file_with_problems_cannot_be_sent(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    provider(world.org_a)
    who = payer(world.org_a, "professional", pid="ACME")
    p = patient(world, who, diagnosis="")  # no diagnosis: the claim cannot be written
    charges(world, p, who, 2)
    claims = build(world, django_capture_on_commit_callbacks)
    assert claims[0].status == ClaimStatus.DRAFT
    with pytest.raises(ValidationError):
        _sent(world, claims)
    assert Claim.objects.get().status == ClaimStatus.DRAFT


def test_payment_file_posts_on_a_sent_claim_and_records_the_change(
    world: Any, two_claims: list[Claim]
) -> None:
    _sent(world, two_claims)
    claims = list(Claim.objects.order_by("pk"))
    services.post_remittance(
        actor=world.billing_a1, text=_remit(claims, deny=claims[1]), signed_in=False
    )
    first, second = (Claim.objects.get(pk=c.pk) for c in claims)
    assert (first.status, second.status) == (ClaimStatus.PAID, ClaimStatus.DENIED)
    paid = ClaimEvent.objects.get(claim=first, to_status=ClaimStatus.PAID)
    assert paid.source == "835" and paid.from_status == ClaimStatus.SUBMITTED
    assert "PR-2" in paid.codes and "CHK1" in paid.note
    denied = ClaimEvent.objects.get(claim=second, to_status=ClaimStatus.DENIED)
    assert denied.codes == "CO-50"


def test_a_payment_file_for_a_withdrawn_claim_posts_nothing(
    world: Any, two_claims: list[Claim]
) -> None:
    _sent(world, two_claims)
    claim_status.record_answer(
        actor=world.billing_a1,
        claim_id=two_claims[0].pk,
        accepted=False,
        note="Payer portal: member not found",
        signed_in=False,
    )
    claim_status.withdraw_claim(
        actor=world.billing_a1, claim_id=two_claims[0].pk, note="wrong member id", signed_in=False
    )
    claims = list(Claim.objects.order_by("pk"))
    with pytest.raises(ValidationError, match="withdrawn"):
        services.post_remittance(actor=world.billing_a1, text=_remit(claims), signed_in=False)
    assert not ClaimEvent.objects.filter(source="835").exists()
    assert Claim.objects.get(pk=claims[1].pk).status == ClaimStatus.SUBMITTED


def test_a_denied_claim_is_appealed_with_its_grounds(world: Any, two_claims: list[Claim]) -> None:
    _sent(world, two_claims)
    claims = list(Claim.objects.order_by("pk"))
    services.post_remittance(
        actor=world.billing_a1, text=_remit(claims, deny=claims[0]), signed_in=False
    )
    with pytest.raises(ValidationError, match="grounds"):
        claim_status.appeal_claim(
            actor=world.billing_a1, claim_id=claims[0].pk, note="  ", signed_in=False
        )
    claim = claim_status.appeal_claim(
        actor=world.billing_a1,
        claim_id=claims[0].pk,
        note="Attendance records and signed notes sent by fax",
        signed_in=False,
    )
    assert claim.status == ClaimStatus.APPEALED
    with pytest.raises(ValidationError, match="has been paid"):
        claim_status.appeal_claim(
            actor=world.billing_a1, claim_id=claims[1].pk, note="x", signed_in=False
        )


def test_withdrawing_frees_the_charges_and_a_new_build_takes_them(
    world: Any, two_claims: list[Claim], django_capture_on_commit_callbacks: Any
) -> None:
    first, second = two_claims
    claim_file = first.claim_file
    assert claim_file is not None and claim_file == second.claim_file
    days = set(Charge.objects.filter(claim__in=two_claims).values_list("pk", flat=True))
    claim_status.withdraw_claim(
        actor=world.billing_a1, claim_id=first.pk, note="wrong member id", signed_in=False
    )
    # The file was not sent: it held both claims, so both are withdrawn and it cannot be sent.
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.VOID}
    assert ClaimFile.objects.get(pk=claim_file.pk).status == ClaimStatus.VOID
    assert "with claim" in ClaimEvent.objects.get(claim=second, to_status=ClaimStatus.VOID).note
    assert not Charge.objects.filter(claim__in=two_claims).exists()
    with pytest.raises(ValidationError):
        _sent(world, two_claims)
    rebuilt = build(world, django_capture_on_commit_callbacks)
    assert len(rebuilt) == 2 and {c.status for c in rebuilt} == {ClaimStatus.READY}
    assert rebuilt[0].claim_file_id != claim_file.pk
    assert set(Charge.objects.filter(claim__in=rebuilt).values_list("pk", flat=True)) == days
    with pytest.raises(ValidationError, match="withdrawn"):
        claim_status.withdraw_claim(
            actor=world.billing_a1, claim_id=first.pk, note="again", signed_in=False
        )


def test_withdrawing_a_rejected_claim_leaves_the_rest_of_its_sent_file(
    world: Any, two_claims: list[Claim]
) -> None:
    _sent(world, two_claims)
    claim_status.record_answer(
        actor=world.billing_a1,
        claim_id=two_claims[0].pk,
        accepted=False,
        note="Payer portal: member not found",
        signed_in=False,
    )
    claim_status.withdraw_claim(
        actor=world.billing_a1, claim_id=two_claims[0].pk, note="member id fixed", signed_in=False
    )
    assert Claim.objects.get(pk=two_claims[0].pk).status == ClaimStatus.VOID
    assert Claim.objects.get(pk=two_claims[1].pk).status == ClaimStatus.SUBMITTED
    assert ClaimFile.objects.get(pk=two_claims[0].claim_file_id).status == ClaimStatus.SUBMITTED


def test_a_sent_claim_cannot_be_withdrawn(world: Any, two_claims: list[Claim]) -> None:
    _sent(world, two_claims)
    with pytest.raises(ValidationError, match="no answer has come yet"):
        claim_status.withdraw_claim(
            actor=world.billing_a1, claim_id=two_claims[0].pk, note="x", signed_in=False
        )


def test_an_answer_by_phone_is_recorded_with_how_it_was_learned(
    world: Any, two_claims: list[Claim]
) -> None:
    _sent(world, two_claims)
    with pytest.raises(ValidationError, match="how you learned"):
        claim_status.record_answer(
            actor=world.billing_a1,
            claim_id=two_claims[0].pk,
            accepted=True,
            note="",
            signed_in=False,
        )
    claim = claim_status.record_answer(
        actor=world.billing_a1,
        claim_id=two_claims[0].pk,
        accepted=False,
        note="Payer portal: member not found",
        signed_in=False,
    )
    assert claim.status == ClaimStatus.REJECTED
    event = claim.events.get(to_status=ClaimStatus.REJECTED)
    assert event.source == "staff" and event.note == "Payer portal: member not found"


def test_other_roles_and_organizations_are_refused(world: Any, two_claims: list[Claim]) -> None:
    claim = two_claims[0]
    with pytest.raises(Refused):
        claim_status.withdraw_claim(
            actor=world.counselor_a1, claim_id=claim.pk, note="x", signed_in=False
        )
    with pytest.raises(Refused):
        claim_status.withdraw_claim(
            actor=world.director_a, claim_id=claim.pk, note="x", signed_in=False
        )
    with pytest.raises(Refused):
        claim_status.withdraw_claim(
            actor=world.admin_b, claim_id=claim.pk, note="x", signed_in=False
        )
    with pytest.raises(Refused):
        claim_status.mark_file_sent(
            actor=world.admin_b, file_id=claim.claim_file_id or 0, signed_in=False
        )
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.READY
    assert AuditEvent.objects.filter(action="denied").count() >= 4


# Pages


def test_claim_page_shows_history_and_the_next_steps(
    client: Client, world: Any, two_claims: list[Claim]
) -> None:
    _sent(world, two_claims)
    login(client, world.billing_a1)
    page = client.get(reverse("billing:claim", args=[two_claims[0].pk])).content.decode()
    assert "History" in page and "Submitted" in page and "Record the answer" in page
    assert "Withdraw the claim" not in page
    login(client, world.director_a)  # reads billing, changes nothing
    page = client.get(reverse("billing:claim", args=[two_claims[0].pk])).content.decode()
    assert "History" in page and "Record the answer" not in page


def test_withdraw_form_without_a_reason_comes_back_422_where_it_was(
    client: Client, world: Any, two_claims: list[Claim]
) -> None:
    login(client, world.billing_a1)
    url = reverse("billing:claim_withdraw", args=[two_claims[0].pk])
    response = client.post(url, {"note": ""})
    assert response.status_code == 422 and "This field is required" in response.content.decode()
    response = client.post(url, {"note": "Member id was wrong"}, follow=True)
    assert "with the other claim of its file" in response.content.decode()
    assert Claim.objects.get(pk=two_claims[0].pk).status == ClaimStatus.VOID
    response = client.post(url, {"note": "again"})
    assert response.status_code == 422 and "was withdrawn" in response.content.decode()


@pytest.mark.parametrize("name", ["claim_withdraw", "claim_appeal", "claim_answer"])
def test_claim_changes_are_refused_to_other_roles_sites_and_any_id(
    client: Client, world: Any, two_claims: list[Claim], name: str
) -> None:
    url = reverse(f"billing:{name}", args=[two_claims[0].pk])
    data = {"note": "x", "accepted": "yes"}
    login(client, world.counselor_a1)
    assert client.post(url, data).status_code == 403
    login(client, world.director_a)
    assert client.post(url, data).status_code == 403
    login(client, world.admin_b)
    assert client.post(url, data).status_code == 404
    login(client, world.billing_a1)
    huge = reverse(f"billing:{name}", args=[99999999999999999999])
    assert client.post(huge, data).status_code == 404
    assert client.get(url).status_code == 405


def test_files_page_download_and_mark_sent(
    client: Client, world: Any, two_claims: list[Claim]
) -> None:
    claim_file = two_claims[0].claim_file
    assert claim_file is not None
    login(client, world.billing_a1)
    page = client.get(reverse("billing:files")).content.decode()
    assert "Mark as sent" in page and "Ready to send" in page
    download = reverse("billing:file_download", args=[claim_file.pk])
    assert client.get(download).status_code == 405  # a disclosure: a POST only
    response = client.post(download)
    assert response.status_code == 200 and response.content.startswith(b"ISA*")
    assert "attachment" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="export", detail__startswith="claim file").exists()
    response = client.post(reverse("billing:file_sent", args=[claim_file.pk]))
    assert response.status_code == 302
    assert ClaimFile.objects.get(pk=claim_file.pk).status == ClaimStatus.SUBMITTED
    response = client.post(reverse("billing:file_sent", args=[claim_file.pk]), follow=True)
    assert "Only a file whose check found no problems can be sent" in response.content.decode()


def test_files_are_refused_to_other_roles_and_organizations(
    client: Client, world: Any, two_claims: list[Claim]
) -> None:
    claim_file = two_claims[0].claim_file
    assert claim_file is not None
    download = reverse("billing:file_download", args=[claim_file.pk])
    sent = reverse("billing:file_sent", args=[claim_file.pk])
    login(client, world.director_a)
    assert client.get(reverse("billing:files")).status_code == 200
    assert client.post(download).status_code == 403
    assert client.post(sent).status_code == 403
    login(client, world.counselor_a1)
    assert client.get(reverse("billing:files")).status_code == 403
    login(client, world.admin_b)
    assert client.post(download).status_code == 404
    assert client.post(sent).status_code == 404
    assert (
        str(claim_file.pk)
        not in client.get(reverse("billing:files"))
        .content.decode()
        .split("<tbody>")[-1]
        .split("</tbody>")[0]
        or "No claim files yet" in client.get(reverse("billing:files")).content.decode()
    )
    assert ClaimFile.objects.get(pk=claim_file.pk).status == ClaimStatus.READY


def test_files_page_has_a_constant_query_count(
    client: Client, world: Any, two_claims: list[Claim], django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, world.billing_a1)
    url = reverse("billing:files")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for pid in ("MORE", "EXTRA"):
        who = payer(world.org_a, "institutional", pid=pid)
        for _ in range(3):
            charges(world, patient(world, who), who, 2)
    build(world, django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as large:
        page = client.get(url).content.decode()
    assert page.count("Mark as sent") == 3
    assert len(large) == len(small)
