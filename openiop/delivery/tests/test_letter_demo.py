"""The demo's proof-of-attendance letters are made under the patients' employer consents."""

from __future__ import annotations

import time_machine

from openiop.core import demo
from openiop.delivery.models import Disclosure
from openiop.delivery.tests.test_demo import NOW, TODAY


def test_demo_letters_go_only_to_employers_the_patient_named(db: None) -> None:
    with time_machine.travel(NOW, tick=False):
        demo.build_demo(seed=11, patients=60, today=TODAY)
    letters = list(Disclosure.objects.select_related("consent", "part2_disclosure"))
    assert letters
    for row in letters:
        assert row.consent is not None and row.consent.kind == "named"
        assert row.consent.recipient_kind == "employer"
        assert row.recipient == row.consent.recipient_name
        assert row.part2_disclosure is not None
        assert row.part2_disclosure.consent_id == row.consent.pk
        assert row.part2_disclosure.channel == "letter"
