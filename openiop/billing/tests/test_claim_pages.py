"""The claims, claim, payment-file and denials pages: refusals, 422s and query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from openiop.billing import services
from openiop.billing.models import Claim, Remittance
from openiop.billing.tests.claims_factories import MON, NOW, charges, patient, payer, provider
from openiop.billing.tests.test_claims import _remit
from openiop.core.models import AuditEvent
from openiop.core.testing import login

SUN = MON + timedelta(days=6)
PERIOD = f"?first_day={MON}&last_day={SUN}"


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _claims(world: Any, n: int) -> list[Claim]:
    provider(world.org_a)
    who = payer(world.org_a, "professional", pid="ACME")
    for _ in range(n):
        p = patient(world, who)
        charges(world, p, who, 2)
    services.build_claims(actor=world.billing_a1, first_day=MON, last_day=SUN, signed_in=False)
    return list(Claim.objects.order_by("pk"))


def test_claims_list_has_a_constant_query_count(client: Client, world: Any) -> None:
    _claims(world, 2)
    login(client, world.billing_a1)
    url = reverse("billing:claims") + PERIOD
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    who = payer(world.org_a, "professional", pid="MORE")
    for _ in range(6):
        p = patient(world, who)
        charges(world, p, who, 2)
    services.build_claims(actor=world.billing_a1, first_day=MON, last_day=SUN, signed_in=False)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.status_code == 200 and response.content.count(b"/billing/claims/") >= 8
    assert len(large) == len(small)


def test_claim_page_and_denials_show_reasons_in_words(client: Client, world: Any) -> None:
    claims = _claims(world, 2)
    services.post_remittance(
        actor=world.billing_a1, text=_remit(claims, deny=claims[1]), signed_in=False
    )
    login(client, world.billing_a1)
    page = client.get(reverse("billing:denials")).content.decode()
    assert claims[1].control_number in page and "not deemed a &#x27;medical necessity&#x27;" in page
    detail = client.get(reverse("billing:claim", args=[claims[0].pk]))
    assert detail.status_code == 200 and b"Coinsurance amount." in detail.content


def test_remittance_upload_posts_and_bad_files_answer_422(client: Client, world: Any) -> None:
    claims = _claims(world, 1)
    login(client, world.billing_a1)
    url = reverse("billing:remittance")
    assert client.get(url).status_code == 200
    bad = client.post(url, {"file": SimpleUploadedFile("x.835", b"garbage")})
    assert bad.status_code == 422 and b"cannot be read" in bad.content
    assert client.post(url, {}).status_code == 422
    ok = client.post(url, {"file": SimpleUploadedFile("r.835", _remit(claims).encode())})
    assert ok.status_code == 302 and Remittance.objects.count() == 1


def test_build_from_the_page_and_a_bad_period_is_422(client: Client, world: Any) -> None:
    provider(world.org_a)
    login(client, world.billing_a1)
    url = reverse("billing:claims_build")
    assert client.post(url, {"first_day": "x", "last_day": str(SUN)}).status_code == 422
    far = client.post(url, {"first_day": "2026-01-01", "last_day": str(SUN)})
    assert far.status_code == 422
    ok = client.post(url, {"first_day": str(MON), "last_day": str(SUN)})
    assert ok.status_code == 302


def _denied(user: Any) -> int:
    return AuditEvent.objects.filter(user_id_value=user.pk, action="denied").count()


@pytest.mark.parametrize("name", ["claims", "denials", "remittance", "claim"])
def test_refusals_are_audited(client: Client, world: Any, name: str) -> None:
    claims = _claims(world, 1)
    args = [claims[0].pk] if name == "claim" else []
    url = reverse(f"billing:{name}", args=args)
    counselor = world.counselor_a1
    login(client, counselor)
    before = _denied(counselor)
    response = client.get(url)
    assert response.status_code == 403 and _denied(counselor) == before + 1
    assert claims[0].patient.last_name.encode() not in response.content
    client.logout()
    other = world.counselor_b1
    login(client, other)
    before = _denied(other)
    response = client.get(url)
    assert response.status_code in (403, 404) and _denied(other) == before + 1
    if name == "claim":
        assert response.status_code == 404


def test_another_sites_billing_user_gets_404_for_a_claim(client: Client, world: Any) -> None:
    claims = _claims(world, 1)
    outsider = world.director_b
    login(client, outsider)
    before = _denied(outsider)
    assert client.get(reverse("billing:claim", args=[claims[0].pk])).status_code == 404
    assert _denied(outsider) == before + 1


def test_counselor_cannot_build_or_post(client: Client, world: Any) -> None:
    login(client, world.counselor_a1)
    for url in (reverse("billing:claims_build"), reverse("billing:remittance")):
        before = _denied(world.counselor_a1)
        assert client.post(url, {}).status_code == 403
        assert _denied(world.counselor_a1) == before + 1
