"""A disclosure without consent is allowed only for the state's report under 42 CFR 2.53
(besides emergencies, recorded elsewhere): the gate refuses any other channel or basis, and the
database refuses a row that tries it anyway."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, transaction

from openiop.core.models import AuditEvent
from openiop.domain.consent import Recipient
from openiop.privacy import gate
from openiop.privacy.models import Channel, Disclosure

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
STATE = Recipient("other", "State substance use treatment authority")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_state_report_under_2_53_is_recorded(world: Any) -> None:
    made = gate.record_without_consent(
        [world.patient_a1],
        basis=gate.AUDIT_EVALUATION_BASIS,
        recipient=STATE,
        data=["demographics"],
        channel=Channel.STATE_REPORT,
        description="Report to the state",
        actor=world.director_a,
    )
    assert [(d.channel, d.consent_id, d.legal_basis) for d in made] == [
        ("state_report", None, gate.AUDIT_EVALUATION_BASIS)
    ]


@pytest.mark.parametrize(
    ("channel", "basis"),
    [
        (Channel.LETTER, gate.AUDIT_EVALUATION_BASIS),
        (Channel.EXPORT, gate.AUDIT_EVALUATION_BASIS),
        (Channel.STATE_REPORT, "Without consent: because we said so"),
    ],
)
def test_the_gate_refuses_any_other_channel_or_basis(world: Any, channel: str, basis: str) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(ValueError, match="without consent"):
        gate.record_without_consent(
            [world.patient_a1],
            basis=basis,
            recipient=STATE,
            data=["demographics"],
            channel=channel,
            description="A letter",
            actor=world.director_a,
        )
    assert Disclosure.objects.count() == 0
    assert AuditEvent.objects.count() == events


def _row(world: Any, channel: str, basis: str) -> Disclosure:
    return Disclosure(
        organization_id=world.patient_a1.organization_id,
        patient=world.patient_a1,
        consent=None,
        channel=channel,
        recipient_kind="other",
        recipient_name="Someone outside",
        purpose="other",
        data=["demographics"],
        description="A letter",
        made_at=NOW,
        legal_basis=basis,
    )


def test_the_database_refuses_a_letter_without_consent_even_with_a_legal_basis(
    world: Any,
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(world, Channel.LETTER, gate.AUDIT_EVALUATION_BASIS).save()
    assert Disclosure.objects.count() == 0


def test_the_database_refuses_a_state_report_without_consent_or_basis(world: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(world, Channel.STATE_REPORT, "").save()
    _row(world, Channel.STATE_REPORT, gate.AUDIT_EVALUATION_BASIS).save()
    assert Disclosure.objects.count() == 1
