"""Intake pages end to end through the test client: what each role sees and does, bad input
re-rendered with status 422 and field errors, and flat query counts on the lists."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openiop.core.models import AuditEvent
from openiop.core.testing import PatientFactory, World, login, without_tokens
from openiop.intake import services
from openiop.intake.models import (
    Admission,
    PatientAvailability,
    PlacementDecision,
    PlacementPolicySetting,
    Referral,
    SafetyTask,
    ScreeningResponse,
)
from openiop.intake.tests.helpers import (
    PHQ9_ITEM9,
    PHQ9_ZERO,
    phq9,
    placement_post,
    referral,
)


def _items(answers: dict[str, Any]) -> dict[str, str]:
    return {
        f"item_{k}": ("yes" if v else "no") if isinstance(v, bool) else str(v)
        for k, v in answers.items()
    }


# --------------------------------------------------------------------------- referrals


def test_intake_coordinator_records_a_referral_from_the_form(client: Client, world: World) -> None:
    login(client, world.intake_a1)
    response = client.post(
        reverse("intake:referral_create"),
        {
            "program": world.program_a1.pk,
            "source": "hospital",
            "first_name": "Marisol",
            "last_name": "Ferreira",
            "date_of_birth": "1987-09-21",
            "phone": "508-555-0177",
            "referrer_name": "R. Okoye, social worker",
            "reason": "Discharged after an overdose; needs IOP.",
        },
    )
    made = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "intake:referral", args=[made.pk]
    )
    assert (made.stage, made.source, made.program) == ("inquiry", "hospital", world.program_a1)
    page = client.get(response["Location"])
    assert b"Ferreira" in page.content and b"Register as a patient" in page.content
    assert AuditEvent.objects.filter(
        action="view", object_type="intake.referral", username="intake_a1"
    ).exists()


def test_referral_form_errors_are_shown_with_status_422_and_nothing_saved(
    client: Client, world: World
) -> None:
    login(client, world.intake_a1)
    response = client.post(
        reverse("intake:referral_create"),
        {"source": "", "first_name": "", "last_name": "X", "date_of_birth": "2999-01-01"},
    )
    assert response.status_code == 422
    content = response.content.decode()
    assert "This field is required" in content and "cannot be in the future" in content
    assert not Referral.objects.exists()


def test_program_of_another_site_cannot_be_chosen_on_the_referral_form(
    client: Client, world: World
) -> None:
    login(client, world.counselor_a1)
    response = client.post(
        reverse("intake:referral_create"),
        {"program": world.program_a2.pk, "source": "self", "first_name": "A", "last_name": "B"},
    )
    assert response.status_code == 422 and b"Select a valid choice" in response.content
    assert not Referral.objects.exists()


def test_board_groups_referrals_by_stage_with_time_in_stage_and_is_audited(
    client: Client, world: World
) -> None:
    referral(world, first_name="Ina", stage="screening", days_ago=9)
    referral(world, first_name="Oto", program=world.program_a2, actor=world.director_a)
    login(client, world.counselor_a1)
    response = client.get(reverse("intake:board"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Rivera, Ina" in content and "9 days in stage" in content and "stale" in content
    assert "Oto" not in without_tokens(content)  # another site
    event = AuditEvent.objects.filter(action="query", object_type="intake.referral").last()
    assert event is not None and event.username == "counselor_a1"


def test_board_of_another_organization_shows_none_of_its_referrals(
    client: Client, world: World
) -> None:
    referral(world, first_name="Ina")
    login(client, world.counselor_b1)
    assert b"Ina" not in client.get(reverse("intake:board")).content


@pytest.mark.parametrize("count", [3, 40])
def test_board_query_count_is_flat(client: Client, world: World, count: int) -> None:
    for n in range(count):
        referral(world, first_name=f"P{n}", stage=["inquiry", "screening", "declined"][n % 3])
    login(client, world.director_a)
    client.get(reverse("intake:board"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("intake:board"))
    assert response.status_code == 200
    assert len(queries) <= 14, [q["sql"] for q in queries]


def test_moving_a_referral_from_its_page_needs_a_reason(client: Client, world: World) -> None:
    made = referral(world)
    login(client, world.intake_a1)
    url = reverse("intake:referral_move", args=[made.pk])
    bad = client.post(url, {"to_stage": "screening", "reason": ""})
    assert bad.status_code == 422 and b"This field is required" in bad.content
    good = client.post(url, {"to_stage": "screening", "reason": "Phone screen booked"})
    assert good.status_code == 302
    made.refresh_from_db()
    assert made.stage == "screening"
    page = client.get(reverse("intake:referral", args=[made.pk]))
    assert b"Phone screen booked" in page.content


def test_registering_from_a_referral_prefills_and_links_the_patient(
    client: Client, world: World
) -> None:
    made = referral(world, date_of_birth="1990-02-03")
    login(client, world.intake_a1)
    url = reverse("intake:referral_register", args=[made.pk])
    form = client.get(url)
    assert b'value="Rivera"' in form.content
    response = client.post(
        url,
        {
            "site": world.site_a1.pk,
            "program": world.program_a1.pk,
            "first_name": "Jo",
            "last_name": "Rivera",
            "date_of_birth": "1990-02-03",
            "sex_at_birth": "unknown",
            "preferred_language": "English",
        },
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.patient is not None and made.patient.last_name == "Rivera"


def test_linking_a_referral_by_record_number(client: Client, world: World) -> None:
    made = referral(world)
    login(client, world.counselor_a1)
    url = reverse("intake:referral_link", args=[made.pk])
    bad = client.post(url, {"mrn": "0000002"})  # patient_a2: another site
    assert bad.status_code == 422 and b"No patient with this record number" in bad.content
    assert client.post(url, {"mrn": "0000001"}).status_code == 302
    made.refresh_from_db()
    assert made.patient == world.patient_a1


# --------------------------------------------------------------------------- screening


def test_crafft_is_listed_but_not_offered_to_an_adult(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    page = client.get(reverse("intake:screening_choose", args=[world.patient_a1.pk]))
    content = page.content.decode()
    assert "offered for ages 12 to 21 only" in content
    assert reverse("intake:screening_new", args=[world.patient_a1.pk, "crafft"]) not in content
    assert reverse("intake:screening_new", args=[world.patient_a1.pk, "phq9"]) in content


def test_screening_form_is_generated_from_the_definition_with_skip_rules(
    client: Client, world: World
) -> None:
    login(client, world.counselor_a1)
    page = client.get(reverse("intake:screening_new", args=[world.patient_a1.pk, "cssrs"]))
    content = page.content.decode()
    assert 'name="item_6b"' in content and "Asked only if item 6 is yes" in content
    assert "data-enable-when" in content and "intake/screening.js" in content


def test_completed_phq9_with_item_9_shows_988_and_opens_the_task(
    client: Client, world: World
) -> None:
    login(client, world.counselor_a1)
    url = reverse("intake:screening_new", args=[world.patient_a1.pk, "phq9"])
    response = client.post(url, _items(PHQ9_ITEM9), follow=True)
    content = response.content.decode()
    assert response.status_code == 200
    assert "988 Suicide &amp; Crisis Lifeline" in content and "Suicide risk: act now" in content
    assert SafetyTask.objects.filter(patient=world.patient_a1, status="open").count() == 1


def test_incomplete_screening_names_the_missing_items_saves_nothing_but_shows_crisis_help(
    client: Client, world: World
) -> None:
    login(client, world.counselor_a1)
    url = reverse("intake:screening_new", args=[world.patient_a1.pk, "phq9"])
    answers = _items(PHQ9_ITEM9)
    del answers["item_4"]
    answers["item_5"] = "7"
    response = client.post(url, answers)
    content = response.content.decode()
    assert response.status_code == 422
    assert "missing answer" in content and "Not saved" in content
    assert 'id="item_4-errors"' in content and 'id="item_5-errors"' in content
    assert "988" in content  # item 9 is positive already: guidance now, not after saving
    assert not ScreeningResponse.objects.exists() and not SafetyTask.objects.exists()


def test_answers_to_questions_the_skip_logic_did_not_ask_are_dropped(
    client: Client, world: World
) -> None:
    login(client, world.counselor_a1)
    url = reverse("intake:screening_new", args=[world.patient_a1.pk, "cssrs"])
    posted = _items({"1": False, "2": False, "3": True, "4": True, "5": True, "6": False})
    response = client.post(url, posted)
    assert response.status_code == 302
    stored = ScreeningResponse.objects.get()
    assert stored.band == "negative"
    assert [i["linkId"] for i in stored.response["item"]] == ["1", "2", "6"]
    assert not SafetyTask.objects.exists()


def test_front_desk_cannot_record_a_screening(client: Client, world: World) -> None:
    login(client, world.frontdesk_a1)
    url = reverse("intake:screening_new", args=[world.patient_a1.pk, "phq9"])
    assert client.post(url, _items(PHQ9_ZERO)).status_code == 403
    assert not ScreeningResponse.objects.exists()


# --------------------------------------------------------------------------- safety tasks


def test_safety_task_list_shows_tasks_of_my_sites_with_assignment(
    client: Client, world: World
) -> None:
    phq9(world, PHQ9_ITEM9)
    login(client, world.counselor_a1)
    content = client.get(reverse("intake:safety_tasks")).content.decode()
    assert "Quintero, Alma" in content and "Open, urgent" in content
    login(client, world.counselor_a2)
    assert "Quintero" not in client.get(reverse("intake:safety_tasks")).content.decode()


@pytest.mark.parametrize("count", [2, 25])
def test_safety_task_list_query_count_is_flat(client: Client, world: World, count: int) -> None:
    for _ in range(count):
        patient = PatientFactory.create(site=world.site_a1, program=world.program_a1)
        services.screening_record(
            actor=world.counselor_a1, patient=patient, instrument_id="phq9", answers=PHQ9_ITEM9
        )
    login(client, world.counselor_a1)
    client.get(reverse("intake:safety_tasks"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("intake:safety_tasks"))
    assert response.status_code == 200 and response.content.count(b"Open, urgent") == count
    assert len(queries) <= 14, [q["sql"] for q in queries]


def test_completing_a_task_from_its_page(client: Client, world: World) -> None:
    task = SafetyTask.objects.get(screening=phq9(world, PHQ9_ITEM9))
    login(client, world.counselor_a1)
    url = reverse("intake:safety_task_complete", args=[task.pk])
    bad = client.post(url, {"note": "done"})
    assert bad.status_code == 422 and b"at least 10 characters" in bad.content
    assert client.post(url, {"note": "Risk evaluated; safety plan made."}).status_code == 302
    task.refresh_from_db()
    assert task.status == "done"


def test_assigning_a_task_to_a_clinician_of_another_site_is_refused(
    client: Client, world: World
) -> None:
    task = SafetyTask.objects.get(screening=phq9(world, PHQ9_ITEM9))
    login(client, world.counselor_a1)
    url = reverse("intake:safety_task_assign", args=[task.pk])
    bad = client.post(url, {"assignee": world.counselor_a2.pk})
    assert bad.status_code == 422 and b"works with this patient" in bad.content
    assert client.post(url, {"assignee": world.director_a.pk}).status_code == 302


# --------------------------------------------------------------------------- level of care


def test_placement_preview_shows_level_and_every_reason_and_saves_nothing(
    client: Client, world: World
) -> None:
    login(client, world.counselor_a1)
    url = reverse("intake:placement_new", args=[world.patient_a1.pk])
    response = client.post(url, {**placement_post(), "action": "preview"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Recommended: level 2.1 intensive outpatient" in content
    for rule in ("PL-DIM-1", "PL-DIM-6", "PL-CRIT-2", "PL-LEVEL", "PL-TRK-SUD"):
        assert rule in content
    assert "Save decision" in content and not PlacementDecision.objects.exists()


def test_placement_save_with_override_needs_a_reason(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    url = reverse("intake:placement_new", args=[world.patient_a1.pk])
    bad = client.post(
        url, {**placement_post(), "action": "save", "decision": "override", "override_level": "1"}
    )
    assert bad.status_code == 422 and b"An override needs a reason" in bad.content
    assert not PlacementDecision.objects.exists()
    good = client.post(
        url,
        {
            **placement_post(),
            "action": "save",
            "decision": "override",
            "override_level": "1",
            "override_reason": "Works nights; weekly outpatient agreed.",
        },
        follow=True,
    )
    assert good.status_code == 200 and b"overrode the recommendation" in good.content
    assert PlacementDecision.objects.get().final_level == "1"


def test_placement_form_names_missing_dimensions(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    url = reverse("intake:placement_new", args=[world.patient_a1.pk])
    data = placement_post()
    del data["d3_rating"]
    data["d5_evidence"] = ""
    response = client.post(url, {**data, "action": "preview"})
    assert response.status_code == 422
    assert b"Rate dimension 3 from 0 to 4" in response.content
    assert b"Give the evidence for dimension 5" in response.content


AUDIT_23 = dict(zip([str(n) for n in range(1, 11)], [4, 3, 3, 2, 2, 1, 2, 2, 0, 4], strict=True))
CIWA_6 = {"1": 2, "2": 2, "3": 1, "4": 1} | {str(n): 0 for n in range(5, 11)}
PHQ9_8 = {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1, "7": 1, "8": 1, "9": 0}


def _screen_working_adult(world: World) -> None:
    for instrument, answers in (
        ("audit", AUDIT_23),
        ("ciwa-ar", CIWA_6),
        ("phq9", PHQ9_8),
        ("cssrs", {"1": False, "2": False, "6": False}),
    ):
        services.screening_record(
            actor=world.counselor_a1,
            patient=world.patient_a1,
            instrument_id=instrument,
            answers=answers,
        )


def _confirmed(**overrides: str) -> dict[str, str]:
    """The form as proposed for the working adult (D2 and D4 rated by the clinician)."""
    data = placement_post(
        d1_rating="1", d3_rating="1", d5_rating="2", d6_rating="0", d2_rating="0", d4_rating="1"
    )
    data.update({"has_support_system": "on", "conditions": "alcohol"})
    data.update(overrides)
    return data


def test_placement_form_prefills_each_dimension_from_the_latest_screenings(
    client: Client, world: World
) -> None:
    _screen_working_adult(world)
    login(client, world.counselor_a1)
    response = client.get(reverse("intake:placement_new", args=[world.patient_a1.pk]))
    form = response.context["form"]
    assert response.status_code == 200
    assert {n: form.initial.get(f"d{n}_rating") for n in range(1, 7)} == {
        1: "1",
        2: None,
        3: "1",
        4: None,
        5: "2",
        6: None,
    }
    assert form.initial["d5_evidence"] == "AUDIT zone IV, possible dependence (20+): score 23"
    assert form.initial["d1_evidence"] == "CIWA-Ar mild withdrawal (under 10): score 6"
    content = response.content.decode()
    assert "Proposed rating: 2" in content and "No proposed rating" in content
    assert "program policy (set in Settings)" in content
    assert "audit.possible_dependence" not in content.split("<details")[0]


def test_adult_who_must_work_with_audit_23_gets_intensive_outpatient_from_the_evidence(
    client: Client, world: World
) -> None:
    _screen_working_adult(world)
    login(client, world.counselor_a1)
    url = reverse("intake:placement_new", args=[world.patient_a1.pk])
    response = client.post(url, {**_confirmed(), "action": "preview"})
    content = response.content.decode()
    assert response.status_code == 200, response.context["form"].errors
    assert "Recommended: level 2.1 intensive outpatient" in content
    assert "must keep working or studying" in content and "support at home" in content


def test_changing_a_proposed_rating_needs_a_reason(client: Client, world: World) -> None:
    _screen_working_adult(world)
    login(client, world.counselor_a1)
    url = reverse("intake:placement_new", args=[world.patient_a1.pk])
    changed = _confirmed(d5_rating="1")
    bad = client.post(url, {**changed, "action": "save", "decision": "accept"})
    assert bad.status_code == 422
    assert b"Dimension 5: the evidence proposes 2 and you chose 1" in bad.content
    assert not PlacementDecision.objects.exists()
    reason = "Drinking stopped a month ago; AUDIT covers the past year."
    good = client.post(
        url, {**changed, "d5_reason": reason, "action": "save", "decision": "accept"}, follow=True
    )
    assert good.status_code == 200
    decision = PlacementDecision.objects.get()
    d5 = decision.dimensions[4]
    assert (d5["rating"], d5["proposed"], d5["change_reason"]) == (1, 2, reason)
    assert decision.dimensions[0]["change_reason"] == ""  # confirmed as proposed
    assert reason.encode() in good.content
    event = AuditEvent.objects.get(action="add", object_type="intake.placementdecision")
    assert "proposed rating changed for dimension(s) 5" in event.detail


def test_a_ticked_withdrawal_seizure_raises_the_proposal_and_needs_a_reason_to_lower(
    client: Client, world: World
) -> None:
    _screen_working_adult(world)
    login(client, world.counselor_a1)
    url = reverse("intake:placement_new", args=[world.patient_a1.pk])
    data = _confirmed(withdrawal_seizure_history="on")
    response = client.post(url, {**data, "action": "preview"})
    assert response.status_code == 422
    assert b"Dimension 1: the evidence proposes 3 and you chose 1" in response.content
    response = client.post(url, {**data, "d1_rating": "3", "action": "preview"})
    assert response.status_code == 200
    assert b"Withdrawal management first" in response.content
    assert b"History of withdrawal seizures" in response.content


def test_withdrawal_history_is_asked_until_answered_yes_or_no(client: Client, world: World) -> None:
    """The form answers each withdrawal fact with yes, no or "not asked yet"; only the last
    leaves the engine asking for it (never read as no history)."""
    _screen_working_adult(world)
    login(client, world.counselor_a1)
    url = reverse("intake:placement_new", args=[world.patient_a1.pk])
    asked = b"in the past is not recorded: ask before any outpatient level starts"
    unanswered = client.post(url, {**_confirmed(), "action": "preview"})
    assert unanswered.status_code == 200 and asked in unanswered.content
    answered = _confirmed(withdrawal_seizure_history="no", withdrawal_delirium_history="no")
    response = client.post(url, {**answered, "action": "preview"})
    assert response.status_code == 200 and asked not in response.content
    assert b"Withdrawal management first" not in response.content


def test_intake_coordinator_cannot_decide_the_level_of_care(client: Client, world: World) -> None:
    login(client, world.intake_a1)
    url = reverse("intake:placement_new", args=[world.patient_a1.pk])
    assert client.get(url).status_code == 403


# --------------------------------------------------------------------------- admission


def _admit_post(world: World, **overrides: str) -> dict[str, str]:
    data = {
        "program": str(world.program_a1.pk),
        f"track_{world.track_a1.pk}": "on",
        f"hours_{world.track_a1.pk}": "9",
        "starts_on": timezone.localdate().isoformat(),
        "primary_counselor": str(world.counselor_a1.pk),
        "notice": "paper",
        "avail_0_evening": "on",
        "avail_2_evening": "on",
        "avail_5_morning": "on",
    }
    data.update(overrides)
    return data


def test_admitting_from_a_referral_enrols_saves_availability_and_closes_it(
    client: Client, world: World
) -> None:
    made = referral(world, stage="assessment")
    login(client, world.counselor_a1)
    url = reverse("intake:admit", args=[world.patient_a1.pk])
    page = client.get(url, {"referral": made.pk})
    assert page.status_code == 200 and b"Tracks of Evening IOP A1" in page.content
    response = client.post(url, {**_admit_post(world), "referral": str(made.pk)})
    assert response.status_code == 302
    assert Admission.objects.get().referral == made
    assert PatientAvailability.objects.filter(patient=world.patient_a1).count() == 3
    made.refresh_from_db()
    assert made.stage == "admitted"
    chart = client.get(reverse("patients:chart_tab", args=[world.patient_a1.pk, "intake"]))
    content = chart.content.decode()
    assert "SUD A1" in content and "Not built yet" not in content and "free" in content


def test_admission_with_changed_hours_and_no_reason_is_422(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    url = reverse("intake:admit", args=[world.patient_a1.pk])
    response = client.post(url, _admit_post(world, **{f"hours_{world.track_a1.pk}": "14"}))
    assert response.status_code == 422 and b"give the reason" in response.content
    nothing = client.post(url, {"program": str(world.program_a1.pk)})
    assert nothing.status_code == 422 and b"Choose at least one track" in nothing.content
    assert not Admission.objects.exists() and not PatientAvailability.objects.exists()


def test_availability_page_saves_the_week_grid(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    url = reverse("intake:availability", args=[world.patient_a1.pk])
    assert b"Morning 09:00-12:00" in client.get(url).content
    assert client.post(url, {"avail_1_afternoon": "on", "avail_6_morning": "on"}).status_code == 302
    assert PatientAvailability.objects.filter(patient=world.patient_a1).count() == 2


# --------------------------------------------------------------------------- chart and policy


@pytest.mark.parametrize("count", [1, 12])
def test_intake_chart_tab_query_count_is_flat(client: Client, world: World, count: int) -> None:
    for n in range(count):
        phq9(world, PHQ9_ITEM9 if n % 3 == 0 else PHQ9_ZERO)
        referral(world)
    Referral.objects.update(patient=world.patient_a1)
    login(client, world.counselor_a1)
    url = reverse("patients:chart_tab", args=[world.patient_a1.pk, "intake"])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200 and b"Screenings" in response.content
    assert len(queries) <= 30, [q["sql"] for q in queries]


def test_director_sets_a_program_policy(client: Client, world: World) -> None:
    login(client, world.director_a)
    url = reverse("intake:policy", args=[world.program_a1.pk])
    assert b"Not built yet" not in client.get(url).content
    page = client.get(url).content.decode()
    assert "Evidence table" in page and "program policy (set in settings)" in page.lower()
    assert "AUDIT zone IV, possible dependence (20+)" in page
    bad = client.post(url, {"evidence_audit__possible_dependence": "5"})
    assert bad.status_code == 422 and b"less than or equal to 4" in bad.content
    bad = client.post(url, {"cows_withdrawal_management_min": "20"})
    assert bad.status_code == 422
    good = client.post(
        url,
        {
            "cows_rule_off": "on",
            "pcl5_probable_ptsd_at": "31",
            "evidence_audit__possible_dependence": "3",
        },
    )
    assert good.status_code == 302
    setting = PlacementPolicySetting.objects.get(program=world.program_a1)
    assert setting.placement == {
        "cows_withdrawal_management_min": None,
        "evidence_ratings": {"audit.possible_dependence": 3},
    }
    assert setting.screening == {"pcl5": {"probable_ptsd_at": 31}}
    assert 'value="3"' in client.get(url).content.decode()
    login(client, world.counselor_a1)
    assert client.get(url).status_code == 403


def test_nav_links_to_intake_and_safety_tasks(client: Client, world: World) -> None:
    login(client, world.counselor_a1)
    content = client.get("/").content.decode()
    assert reverse("intake:board") in content and reverse("intake:safety_tasks") in content


def test_no_patient_data_in_intake_urls(world: World) -> None:
    made = referral(world)
    for name, args in (
        ("intake:referral", [made.pk]),
        ("intake:screening_new", [world.patient_a1.pk, "phq9"]),
        ("intake:admit", [world.patient_a1.pk]),
    ):
        url = reverse(name, args=args)
        assert "Rivera" not in url and "Quintero" not in url


def test_a_stale_open_referral_is_longest_waiting_first(client: Client, world: World) -> None:
    referral(world, first_name="Newer", days_ago=1)
    referral(world, first_name="Older", days_ago=20)
    login(client, world.intake_a1)
    content = client.get(reverse("intake:board")).content.decode()
    assert content.index("Older") < content.index("Newer")
