"""Questionnaires due in the portal: the same instrument engine as staff screening, only the
measures due for the patient, an urgent safety task and the crisis numbers for a positive
suicide item, and the answers in the clinicians' measurement-based-care charts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client

from openiop.care.measures import selectors as measures
from openiop.core.models import AuditAction, AuditEvent
from openiop.core.testing import World, login
from openiop.intake import services as intake_services
from openiop.intake.models import SafetyTask, ScreeningResponse
from openiop.portal.models import AccountKind
from openiop.portal.tests.helpers import make_portal_account, portal_login
from openiop.portal.tests.test_daily import NOW, admitted, family_consent, signed_in

pytestmark = pytest.mark.django_db

URL = "/portal/questionnaires/phq9/"


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def phq9(item9: int = 0) -> dict[str, str]:
    return {f"item_{n}": "1" for n in range(1, 9)} | {"item_9": str(item9)}


def test_a_due_questionnaire_shows_the_instruments_items(world: World) -> None:
    client, _ = signed_in(world)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "PHQ-9" in html
    assert 'name="item_1"' in html and 'name="item_9"' in html
    assert html.count('type="radio"') == 9 * 4


def test_answering_stores_a_screening_by_the_patient_and_it_reaches_the_charts(
    world: World,
) -> None:
    client, account = signed_in(world)
    response = client.post(URL, phq9())
    assert response.status_code == 200
    assert b"Your answers are saved" in response.content
    assert b'class="crisis"' not in response.content
    row = ScreeningResponse.objects.get()
    assert (row.patient, row.instrument, row.total) == (world.patient_a1, "phq9", 8)
    assert row.administered_by == account.user
    event = AuditEvent.objects.get(object_type="intake.screeningresponse", action=AuditAction.ADD)
    assert event.user_id_value == account.user.pk and "in the portal" in event.detail
    assert not SafetyTask.objects.exists()
    # No longer due: the clinicians' charts read it.
    assert client.get(URL).status_code == 404
    charts = measures.charts(
        measures.scores(world.patient_a1.pk), measures.reliability_for(world.org_a.pk)
    )
    assert [c.instrument for c in charts] == ["phq9"]
    staff = login(Client(), world.counselor_a1)
    page = staff.get(f"/care/patients/{world.patient_a1.pk}/progress/").content.decode()
    assert "PHQ-9" in page and "No repeated measures yet" not in page


def test_a_positive_suicide_item_opens_the_urgent_task_and_shows_the_crisis_numbers(
    world: World,
) -> None:
    client, account = signed_in(world)
    response = client.post(URL, phq9(item9=1))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="crisis" role="alert"' in html and "988" in html
    task = SafetyTask.objects.get()
    assert task.urgent and task.screening == ScreeningResponse.objects.get()
    assert task.assigned_to == world.counselor_a1  # the primary counselor
    assert task.created_by == account.user


def test_a_missing_answer_is_a_422_naming_the_item(world: World) -> None:
    client, _ = signed_in(world)
    data = phq9()
    del data["item_4"]
    response = client.post(URL, data)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'role="alert"' in html and "4. " in html and "missing answer" in html
    assert not ScreeningResponse.objects.exists()


def test_an_unfinished_form_with_a_positive_suicide_item_still_shows_the_crisis_numbers(
    world: World,
) -> None:
    client, _ = signed_in(world)
    data = phq9(item9=2)
    del data["item_1"]
    response = client.post(URL, data)
    assert response.status_code == 422
    assert b'class="crisis"' in response.content
    assert not SafetyTask.objects.exists()


def test_an_instrument_not_due_is_an_audited_404(world: World) -> None:
    client, account = signed_in(world)
    for instrument in ("pcl5", "nonsense"):
        assert client.get(f"/portal/questionnaires/{instrument}/").status_code == 404
        assert client.post(f"/portal/questionnaires/{instrument}/", {}).status_code == 404
        assert AuditEvent.objects.filter(
            action=AuditAction.DENIED, user_id_value=account.user.pk, object_id=instrument
        ).exists()
    assert not ScreeningResponse.objects.exists()


def test_the_patient_service_refuses_another_patients_record(world: World) -> None:
    _, account = signed_in(world)
    admitted(world, world.patient_a2)
    with pytest.raises(intake_services.policy.Refused):
        intake_services.screening_record_by_patient(
            account_user=account.user,
            patient=world.patient_a2,
            instrument_id="phq9",
            answers={str(n): 0 for n in range(1, 10)},
        )
    with pytest.raises(ValidationError):
        intake_services.screening_record_by_patient(
            account_user=account.user,
            patient=world.patient_a1,
            instrument_id="phq9",
            answers={str(n): 0 for n in range(1, 9)},
        )
    assert not ScreeningResponse.objects.exists()


def test_the_staff_screening_path_still_works(world: World) -> None:
    admitted(world)
    row = intake_services.screening_record(
        actor=world.counselor_a1,
        patient=world.patient_a1,
        instrument_id="phq9",
        answers={str(n): 1 for n in range(1, 10)},
    )
    assert row.administered_by == world.counselor_a1
    assert SafetyTask.objects.get().assigned_to == world.counselor_a1  # the clinician who screened


def test_family_staff_and_anonymous_are_refused(world: World) -> None:
    admitted(world)
    family = make_portal_account(
        world.patient_a1, kind=AccountKind.FAMILY, consent=family_consent(world)
    )
    assert portal_login(Client(), family).get(URL).status_code == 403
    assert login(Client(), world.counselor_a1).post(URL, phq9()).status_code == 403
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/portal/login/")
    assert not ScreeningResponse.objects.exists()
