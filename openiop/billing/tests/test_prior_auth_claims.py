"""Claims quote the payer's prior authorization number, one claim per authorization."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from openiop.authorizations.models import Authorization, UnitKind
from openiop.billing import services
from openiop.billing.models import Claim, ClaimStatus
from openiop.billing.tests.claims_factories import MON, NOW, charges, patient, payer, provider
from openiop.domain.claims import validate

SUN = MON + timedelta(days=6)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _auth(world: Any, p: Any, who: Any, number: str, first: int, last: int) -> None:
    Authorization.objects.create(
        organization=world.org_a,
        patient=p,
        payer=who,
        service="H0015",
        unit_kind=UnitKind.DAYS,
        units_authorized=Decimal("12"),
        starts_on=MON + timedelta(days=first),
        ends_on=MON + timedelta(days=last),
        number=number,
        created_by=world.billing_a1,
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.mark.parametrize("kind", ["professional", "institutional"])
def test_days_under_two_authorizations_become_two_claims_each_quoting_its_number(
    world: Any, kind: str
) -> None:
    provider(world.org_a)
    who = payer(world.org_a, kind, pid="ACME")
    p = patient(world, who)
    charges(world, p, who, 4)  # Monday to Thursday
    _auth(world, p, who, "AUTH-1", -30, 1)  # to Tuesday
    _auth(world, p, who, "AUTH-2", 2, 60)  # from Wednesday
    services.build_claims(actor=world.billing_a1, first_day=MON, last_day=SUN, signed_in=False)
    claims = list(Claim.objects.order_by("first_day"))
    assert [(c.first_day, c.last_day) for c in claims] == [
        (MON, MON + timedelta(days=1)),
        (MON + timedelta(days=2), MON + timedelta(days=3)),
    ]
    assert {c.status for c in claims} == {ClaimStatus.READY}
    claim_file = claims[0].claim_file
    assert claim_file is not None and claim_file == claims[1].claim_file
    assert validate(claim_file.text) == []
    segments = claim_file.text.split("~")
    first = segments.index(
        next(s for s in segments if s.startswith(f"CLM*{claims[0].control_number}"))
    )
    second = segments.index(
        next(s for s in segments if s.startswith(f"CLM*{claims[1].control_number}"))
    )
    assert "REF*G1*AUTH-1" in segments[first:second]
    assert "REF*G1*AUTH-2" in segments[second:]


def test_days_without_an_authorization_go_on_a_claim_without_a_number(world: Any) -> None:
    provider(world.org_a)
    who = payer(world.org_a, "professional", pid="ACME")
    p = patient(world, who)
    charges(world, p, who, 3)
    _auth(world, p, who, "AUTH-9", 1, 1)  # Tuesday only
    other = payer(world.org_a, "professional", pid="OTHER")
    _auth(world, p, other, "NOT-THIS-PAYER", -10, 10)
    services.build_claims(actor=world.billing_a1, first_day=MON, last_day=SUN, signed_in=False)
    claims = list(Claim.objects.order_by("first_day"))
    assert len(claims) == 2  # Tuesday under AUTH-9; Monday and Wednesday without one
    text = claims[0].claim_file.text if claims[0].claim_file else ""
    assert text.count("REF*G1*") == 1 and "REF*G1*AUTH-9" in text
    assert "NOT-THIS-PAYER" not in text
