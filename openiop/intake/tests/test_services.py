"""The write path of intake: each service is one audited transaction that refuses bad input
naming the field and saves nothing partial."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openiop.core.models import AuditEvent
from openiop.core.testing import EnrollmentFactory, PatientFactory, TrackFactory, World
from openiop.intake import services
from openiop.intake.models import (
    Admission,
    PatientAvailability,
    PlacementDecision,
    ReferralEvent,
    ReferralStage,
    SafetyTask,
    ScreeningResponse,
)
from openiop.intake.placement import Assessment
from openiop.intake.tests.helpers import (
    CSSRS_HIGH,
    PHQ9_ITEM9,
    PHQ9_ZERO,
    RATINGS,
    phq9,
    referral,
)
from openiop.organization.models import TrackKind
from openiop.patients.models import Enrollment, Patient


def _audited(action: str, object_type: str, username: str) -> bool:
    return AuditEvent.objects.filter(
        action=action, object_type=object_type, username=username
    ).exists()


# --------------------------------------------------------------------------- referrals


def test_moving_a_referral_records_who_when_and_why_and_audits(world: World) -> None:
    made = referral(world)
    moved = services.referral_move(
        actor=world.intake_a1, referral=made, to_stage="screening", reason="Phone screen booked"
    )
    assert moved.stage == "screening"
    event = ReferralEvent.objects.filter(referral=made).last()
    assert event is not None
    assert (event.from_stage, event.to_stage, event.actor, event.reason) == (
        "inquiry",
        "screening",
        world.intake_a1,
        "Phone screen booked",
    )
    assert _audited("change", "intake.referral", "intake_a1")


@pytest.mark.parametrize(
    ("to_stage", "reason", "field"),
    [
        ("screening", "  ", "reason"),
        ("inquiry", "already there", "to_stage"),
        ("limbo", "no such stage", "to_stage"),
        ("admitted", "skipping the admission", "to_stage"),
    ],
)
def test_a_bad_move_is_refused_naming_the_field_and_changes_nothing(
    world: World, to_stage: str, reason: str, field: str
) -> None:
    made = referral(world)
    with pytest.raises(ValidationError) as exc:
        services.referral_move(
            actor=world.intake_a1, referral=made, to_stage=to_stage, reason=reason
        )
    assert field in exc.value.message_dict
    made.refresh_from_db()
    assert made.stage == "inquiry" and ReferralEvent.objects.filter(referral=made).count() == 1


def test_a_referral_of_another_site_cannot_be_moved_or_linked(world: World) -> None:
    made = referral(world)
    with pytest.raises(PermissionDenied):
        services.referral_move(
            actor=world.counselor_a2, referral=made, to_stage="screening", reason="not mine"
        )
    with pytest.raises(PermissionDenied):
        services.referral_link_patient(
            actor=world.counselor_b1, referral=made, patient=world.patient_b1
        )
    with pytest.raises(PermissionDenied):
        services.referral_move(
            actor=world.billing_a1, referral=made, to_stage="screening", reason="read only"
        )


def test_registering_the_referred_person_links_the_new_patient(world: World) -> None:
    made = referral(world)
    patient = services.referral_register_patient(
        actor=world.intake_a1,
        referral=made,
        site=world.site_a1,
        program=world.program_a1,
        data={"first_name": "Jo", "last_name": "Rivera", "date_of_birth": "1991-04-02"},
    )
    made.refresh_from_db()
    assert made.patient == patient and patient.site == world.site_a1
    assert _audited("add", "patients.patient", "intake_a1")
    with pytest.raises(ValidationError):
        services.referral_register_patient(
            actor=world.intake_a1,
            referral=made,
            site=world.site_a1,
            program=None,
            data={"first_name": "Jo", "last_name": "Rivera", "date_of_birth": "1991-04-02"},
        )


def test_linking_refuses_a_patient_of_another_organization(world: World) -> None:
    made = referral(world)
    with pytest.raises(PermissionDenied):
        services.referral_link_patient(
            actor=world.director_a, referral=made, patient=world.patient_b1
        )


# --------------------------------------------------------------------------- screening


def test_screening_is_stored_as_a_questionnaire_response_with_its_score(world: World) -> None:
    screening = phq9(world, {**PHQ9_ZERO, "1": 3, "2": 3})
    assert (screening.total, screening.band, screening.flags) == (6, "mild", [])
    assert screening.instrument_version == "1.0.0"
    assert screening.response["questionnaire"] == "urn:openiop:questionnaire:phq9|1.0.0"
    assert screening.response["item"][0] == {
        "linkId": "1",
        "text": "Little interest or pleasure",
        "answer": [{"valueInteger": 3}],
    }
    assert _audited("add", "intake.screeningresponse", "counselor_a1")
    assert not SafetyTask.objects.exists()


def test_incomplete_or_invalid_answers_are_refused_naming_each_item_and_nothing_is_saved(
    world: World,
) -> None:
    answers = {**PHQ9_ZERO, "3": 4, "5": True}
    del answers["9"]
    with pytest.raises(ValidationError) as exc:
        phq9(world, answers)
    assert set(exc.value.message_dict) == {"3", "5", "9"}
    assert "missing answer" in exc.value.message_dict["9"][0]
    assert not ScreeningResponse.objects.exists()


def test_phq9_item_9_positive_opens_an_urgent_safety_task_for_the_screening_clinician(
    world: World,
) -> None:
    screening = phq9(world, PHQ9_ITEM9)
    task = SafetyTask.objects.get(screening=screening)
    assert task.urgent and task.status == "open" and task.flags == ["suicidal_ideation"]
    assert task.assigned_to == world.counselor_a1 and task.site == world.site_a1
    assert _audited("add", "intake.safetytask", "counselor_a1")


def test_cssrs_high_risk_opens_a_task_left_unassigned_when_an_intake_coordinator_screens(
    world: World,
) -> None:
    screening = services.screening_record(
        actor=world.intake_a1, patient=world.patient_a1, instrument_id="cssrs", answers=CSSRS_HIGH
    )
    assert screening.band == "high"
    task = SafetyTask.objects.get(screening=screening)
    assert task.flags == ["cssrs_high_risk"] and task.assigned_to is None


def test_crafft_is_offered_only_from_12_to_21(world: World) -> None:
    answers = {"a1": 0, "a2": 0, "a3": 0, "b1": False}
    with pytest.raises(ValidationError) as exc:
        services.screening_record(
            actor=world.counselor_a1,
            patient=world.patient_a1,
            instrument_id="crafft",
            answers=answers,
        )
    assert "ages 12 to 21" in exc.value.message_dict["instrument"][0]
    teen = PatientFactory.create(
        site=world.site_a1,
        program=world.program_a1,
        date_of_birth=timezone.localdate() - timedelta(days=16 * 366),
    )
    result = services.screening_record(
        actor=world.counselor_a1, patient=teen, instrument_id="crafft", answers=answers
    )
    assert result.band == "negative"


def test_program_policy_thresholds_are_used_when_scoring(world: World) -> None:
    services.placement_policy_set(
        actor=world.director_a,
        program=world.program_a1,
        placement={},
        screening={"pcl5": {"probable_ptsd_at": 20}},
    )
    answers = {str(n): 1 for n in range(1, 21)}  # total 20
    screening = services.screening_record(
        actor=world.counselor_a1, patient=world.patient_a1, instrument_id="pcl5", answers=answers
    )
    assert screening.band == "probable_ptsd" and screening.thresholds == {"probable_ptsd_at": 20}


def test_only_screening_roles_record_screenings(world: World) -> None:
    with pytest.raises(PermissionDenied):
        phq9(world, actor=world.frontdesk_a1)
    with pytest.raises(PermissionDenied):
        phq9(world, actor=world.counselor_a2)  # other site
    assert not ScreeningResponse.objects.exists()


# --------------------------------------------------------------------------- safety tasks


def test_safety_task_can_be_reassigned_to_a_clinician_of_the_patients_site_only(
    world: World,
) -> None:
    task = SafetyTask.objects.get(screening=phq9(world, PHQ9_ITEM9))
    services.safety_task_assign(actor=world.counselor_a1, task=task, assignee=world.director_a)
    task.refresh_from_db()
    assert task.assigned_to == world.director_a
    for wrong in (world.counselor_a2, world.counselor_b1, world.intake_a1):
        with pytest.raises(ValidationError) as exc:
            services.safety_task_assign(actor=world.counselor_a1, task=task, assignee=wrong)
        assert "assigned_to" in exc.value.message_dict


def test_completing_a_safety_task_needs_a_note_and_is_audited(world: World) -> None:
    task = SafetyTask.objects.get(screening=phq9(world, PHQ9_ITEM9))
    with pytest.raises(ValidationError) as exc:
        services.safety_task_complete(actor=world.counselor_a1, task=task, note="ok")
    assert "note" in exc.value.message_dict
    done = services.safety_task_complete(
        actor=world.counselor_a1, task=task, note="Evaluated in person; safety plan made."
    )
    assert done.status == "done" and done.completed_by == world.counselor_a1
    assert _audited("change", "intake.safetytask", "counselor_a1")
    with pytest.raises(ValidationError):
        services.safety_task_complete(actor=world.counselor_a1, task=task, note="again, twice")


def test_non_clinicians_and_other_sites_cannot_act_on_a_safety_task(world: World) -> None:
    task = SafetyTask.objects.get(screening=phq9(world, PHQ9_ITEM9))
    for actor in (world.intake_a1, world.counselor_a2, world.counselor_b1):
        with pytest.raises(PermissionDenied):
            services.safety_task_complete(actor=actor, task=task, note="not allowed to do this")


# --------------------------------------------------------------------------- level of care


def _assessment(change_reasons: dict[int, str] | None = None, **criteria: bool) -> Assessment:
    return Assessment(
        ratings=dict(RATINGS),
        criteria=criteria,
        conditions=frozenset({"substance_use"}),
        screening_facts={},
        change_reasons=change_reasons or {},
    )


def test_accepting_the_recommendation_stores_inputs_reasons_and_decision(world: World) -> None:
    decision = services.placement_decide(
        actor=world.counselor_a1,
        patient=world.patient_a1,
        assessment=_assessment(must_work_or_attend_school=True),
        accept=True,
    )
    assert decision.recommended_level == decision.final_level == "2.1"
    assert decision.decision == "accepted" and decision.override_reason == ""
    rules = [r["rule"] for r in decision.reasons]
    assert "PL-LEVEL" in rules and "PL-CRIT-2" in rules
    assert decision.recommended_tracks == ["substance_use"]
    assert decision.dimensions[0] == {
        "dimension": 1,
        "rating": 2,
        "evidence": "evidence for dimension 1",
        "proposed": None,  # no screening: nothing to propose, so nothing to explain
        "proposed_evidence": [],
        "change_reason": "",
    }
    assert _audited("add", "intake.placementdecision", "counselor_a1")


def test_an_override_needs_a_level_and_a_reason(world: World) -> None:
    for level, reason, field in (
        ("", "a long enough reason", "override_level"),
        ("1", "no", "override_reason"),
    ):
        with pytest.raises(ValidationError) as exc:
            services.placement_decide(
                actor=world.counselor_a1,
                patient=world.patient_a1,
                assessment=_assessment(),
                accept=False,
                override_level=level,
                override_reason=reason,
            )
        assert field in exc.value.message_dict
    assert not PlacementDecision.objects.exists()
    decision = services.placement_decide(
        actor=world.counselor_a1,
        patient=world.patient_a1,
        assessment=_assessment(),
        accept=False,
        override_level="1",
        override_reason="Stable at work; weekly outpatient agreed with the patient.",
    )
    assert (decision.decision, decision.final_level) == ("overridden", "1")


def test_latest_screenings_feed_the_engine_crisis_and_withdrawal_signals(world: World) -> None:
    services.screening_record(
        actor=world.counselor_a1,
        patient=world.patient_a1,
        instrument_id="cssrs",
        answers=CSSRS_HIGH,
    )
    ciwa = {str(n): 2 for n in range(1, 10)} | {"10": 1}  # total 19: severe (ASAM 2020)
    services.screening_record(
        actor=world.counselor_a1, patient=world.patient_a1, instrument_id="ciwa-ar", answers=ciwa
    )
    assessment = _assessment(must_work_or_attend_school=True)
    with pytest.raises(ValidationError) as exc:  # proposals D1 3 and D3 3, rated 2 here
        services.placement_decide(
            actor=world.counselor_a1, patient=world.patient_a1, assessment=assessment, accept=True
        )
    assert set(exc.value.message_dict) == {"d1_reason", "d3_reason"}
    assert "the evidence proposes 3 and you chose 2" in exc.value.message_dict["d1_reason"][0]
    assert not PlacementDecision.objects.exists()
    reasons = {1: "Tremor settled after two days.", 3: "Evaluated: passive ideation only."}
    decision = services.placement_decide(
        actor=world.counselor_a1,
        patient=world.patient_a1,
        assessment=_assessment(must_work_or_attend_school=True, change_reasons=reasons),
        accept=True,
    )
    assert decision.crisis_evaluation and decision.withdrawal_management_first
    rules = {r["rule"] for r in decision.reasons}
    assert {"PL-SAFE-1", "PL-WM-1", "PL-CONFLICT-WM"} <= rules
    used = {r["name"]: r["value"] for r in decision.screening["results"]}
    assert used == {"cssrs_risk": "high", "ciwa_ar_total": 19}
    d1, d2, d3 = decision.dimensions[:3]
    assert (d1["proposed"], d1["rating"], d1["change_reason"]) == (3, 2, reasons[1])
    assert d1["proposed_evidence"][0]["text"] == "CIWA-Ar severe withdrawal (19 or more): score 19"
    assert (d2["proposed"], d2["change_reason"]) == (None, "")
    assert d3["change_reason"] == reasons[3]
    event = AuditEvent.objects.get(action="add", object_type="intake.placementdecision")
    assert "proposed rating changed for dimension(s) 1, 3" in event.detail


def test_moderate_ciwa_is_moderate_in_scoring_and_in_placement(world: World) -> None:
    """CIWA-Ar 16-18 was 'moderate, no flag' on the screening page and 'withdrawal management
    first' in placement; now both read the same ASAM 2020 bands."""
    ciwa = {str(n): 2 for n in range(1, 10)} | {"10": 0}  # total 18
    response = services.screening_record(
        actor=world.counselor_a1, patient=world.patient_a1, instrument_id="ciwa-ar", answers=ciwa
    )
    assert (response.band, response.flags) == ("moderate", [])
    decision = services.placement_decide(
        actor=world.counselor_a1,
        patient=world.patient_a1,
        assessment=_assessment(must_work_or_attend_school=True),
        accept=True,
    )
    assert not decision.withdrawal_management_first
    assert "PL-WM-4" in {r["rule"] for r in decision.reasons}


def test_incomplete_assessment_is_refused(world: World) -> None:
    assessment = Assessment(
        ratings={n: (2, "x") for n in range(1, 6)},  # dimension 6 missing
        criteria={},
        conditions=frozenset(),
        screening_facts={},
    )
    with pytest.raises(ValidationError) as exc:
        services.placement_decide(
            actor=world.counselor_a1, patient=world.patient_a1, assessment=assessment, accept=True
        )
    assert "missing dimension(s) 6" in str(exc.value)


def test_only_clinicians_decide_the_level_of_care(world: World) -> None:
    for actor in (world.intake_a1, world.counselor_a2, world.counselor_b1, world.billing_a1):
        with pytest.raises(PermissionDenied):
            services.placement_decide(
                actor=actor, patient=world.patient_a1, assessment=_assessment(), accept=True
            )


def test_program_policy_changes_the_recommendation_and_is_validated(world: World) -> None:
    services.placement_policy_set(
        actor=world.director_a,
        program=world.program_a1,
        placement={"iop_need_facts_raise_outpatient": False},
        screening={},
    )
    low = Assessment(
        ratings={n: (1, "mild") for n in range(1, 7)},
        criteria={"history_of_relapse": True},
        conditions=frozenset({"alcohol"}),
        screening_facts={},
    )
    decision = services.placement_decide(
        actor=world.counselor_a1, patient=world.patient_a1, assessment=low, accept=True
    )
    assert decision.recommended_level == "1"
    assert decision.policy["iop_need_facts_raise_outpatient"] is False
    with pytest.raises(ValidationError):
        services.placement_policy_set(
            actor=world.director_a,
            program=world.program_a1,
            placement={"ciwa_ar_withdrawal_management_above": 30},
            screening={},
        )
    with pytest.raises(ValidationError):
        services.placement_policy_set(
            actor=world.director_a,
            program=world.program_a1,
            placement={},
            screening={"pcl5": {"probable_ptsd_at": 200}},
        )
    with pytest.raises(PermissionDenied):
        services.placement_policy_set(
            actor=world.counselor_a1, program=world.program_a1, placement={}, screening={}
        )
    with pytest.raises(PermissionDenied):
        services.placement_policy_set(
            actor=world.director_b, program=world.program_a1, placement={}, screening={}
        )


# --------------------------------------------------------------------------- enrolment


def _admit(world: World, patient: Patient | None = None, **kwargs: object) -> Admission:
    arguments: dict[str, object] = {
        "actor": world.counselor_a1,
        "patient": patient or world.patient_a1,
        "program": world.program_a1,
        "tracks": [(world.track_a1, Decimal("9"))],
        "starts_on": timezone.localdate(),
        "primary_counselor": world.counselor_a1,
        "availability": {(0, "evening"), (2, "evening"), (5, "morning")},
    }
    arguments.update(kwargs)
    return services.patient_admit(**arguments)  # type: ignore[arg-type]


def test_admission_enrols_in_tracks_with_availability_and_closes_the_referral(
    world: World,
) -> None:
    made = referral(world, stage=ReferralStage.ASSESSMENT)
    second = TrackFactory.create(
        program=world.program_a1, kind=TrackKind.MENTAL_HEALTH, name="MH A1"
    )
    admission = _admit(
        world,
        tracks=[(world.track_a1, Decimal("9")), (second, Decimal("9"))],
        referral=made,
    )
    enrollments = list(admission.enrollments.order_by("track__name"))
    assert [e.track for e in enrollments] == [second, world.track_a1]
    assert all(e.status == "active" and e.required_weekly_hours == 9 for e in enrollments)
    assert admission.primary_counselor == world.counselor_a1
    rows = list(PatientAvailability.objects.filter(patient=world.patient_a1))
    assert [(r.weekday, f"{r.start:%H:%M}", f"{r.end:%H:%M}") for r in rows] == [
        (0, "18:00", "21:00"),
        (2, "18:00", "21:00"),
        (5, "09:00", "12:00"),
    ]
    made.refresh_from_db()
    assert made.stage == "admitted" and made.patient == world.patient_a1
    assert _audited("add", "intake.admission", "counselor_a1")
    assert _audited("add", "patients.enrollment", "counselor_a1")


def test_changed_weekly_hours_need_a_reason(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        _admit(world, tracks=[(world.track_a1, Decimal("12"))])
    assert "hours_change_reason" in exc.value.message_dict
    assert not Enrollment.objects.filter(patient=world.patient_a1).exists()
    admission = _admit(
        world,
        tracks=[(world.track_a1, Decimal("12"))],
        hours_change_reason="Co-occurring depression: extra group agreed.",
    )
    assert admission.hours_change_reason.startswith("Co-occurring")


@pytest.mark.parametrize("hours", ["8.5", "6", "1"])
def test_admission_cannot_go_below_the_track_minimum_even_with_a_reason(
    world: World, hours: str
) -> None:
    """ASAM Level 2.1: at least 9 hours a week for adults (6 for adolescents); fewer only
    through an approved step-down later, never at admission."""
    with pytest.raises(ValidationError) as exc:
        _admit(
            world,
            tracks=[(world.track_a1, Decimal(hours))],
            hours_change_reason="Works nights; fewer hours agreed with the patient.",
        )
    assert any("at least 9 hours a week" in m for m in exc.value.message_dict["tracks"])
    assert not Enrollment.objects.filter(patient=world.patient_a1).exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tracks": []}, "tracks"),
        ({"starts_on": timezone.localdate() + timedelta(days=800)}, "starts_on"),
        ({"tracks": [("other-program", Decimal("9"))]}, "tracks"),
        ({"tracks": [("teen", Decimal("6"))]}, "tracks"),
        ({"primary_counselor": "counselor_a2"}, "primary_counselor"),
    ],
)
def test_bad_admissions_are_refused_naming_the_field_and_save_nothing(
    world: World, kwargs: dict[str, object], field: str
) -> None:
    resolved = dict(kwargs)
    if resolved.get("tracks") and resolved["tracks"][0][0] == "other-program":  # type: ignore[index]
        resolved["tracks"] = [(TrackFactory.create(program=world.program_a2), Decimal("9"))]
    if resolved.get("tracks") and resolved["tracks"][0][0] == "teen":  # type: ignore[index]
        teen_track = TrackFactory.create(
            program=world.program_a1, kind=TrackKind.ADOLESCENTS, min_age=13, max_age=17
        )
        resolved["tracks"] = [(teen_track, Decimal("6"))]
    if resolved.get("primary_counselor") == "counselor_a2":
        resolved["primary_counselor"] = world.counselor_a2
    with pytest.raises(ValidationError) as exc:
        _admit(world, **resolved)
    assert field in exc.value.message_dict
    assert not Admission.objects.exists() and not PatientAvailability.objects.exists()


def test_an_active_enrolment_in_the_same_track_is_refused(world: World) -> None:
    EnrollmentFactory.create(patient=world.patient_a1, track=world.track_a1)
    with pytest.raises(ValidationError) as exc:
        _admit(world)
    assert "already enrolled" in exc.value.message_dict["tracks"][0]


def test_admission_is_refused_outside_the_actors_programs(world: World) -> None:
    with pytest.raises(PermissionDenied):
        _admit(world, actor=world.counselor_a2)
    with pytest.raises(PermissionDenied):
        _admit(world, actor=world.billing_a1)


def test_availability_replaces_the_previous_grid_and_refuses_unknown_blocks(
    world: World,
) -> None:
    services.availability_set(
        actor=world.counselor_a1, patient=world.patient_a1, blocks={(1, "morning")}
    )
    services.availability_set(
        actor=world.counselor_a1, patient=world.patient_a1, blocks={(3, "afternoon")}
    )
    rows = list(PatientAvailability.objects.filter(patient=world.patient_a1))
    assert [(r.weekday, f"{r.start:%H:%M}") for r in rows] == [(3, "13:00")]
    with pytest.raises(ValidationError):
        services.availability_set(
            actor=world.counselor_a1, patient=world.patient_a1, blocks={(7, "night")}
        )
    assert PatientAvailability.objects.filter(patient=world.patient_a1).count() == 1
    with pytest.raises(PermissionDenied):
        services.availability_set(
            actor=world.counselor_b1, patient=world.patient_a1, blocks={(1, "morning")}
        )


def test_retired_ciwa_settings_are_ignored_and_old_cows_values_move_to_a_band_start(
    world: World,
) -> None:
    """Settings saved before the one CIWA-Ar/COWS threshold set still load (no crash)."""
    from openiop.intake.models import PlacementPolicySetting
    from openiop.intake.placement import policy_for

    PlacementPolicySetting.objects.create(
        program=world.program_a1,
        placement={"ciwa_ar_withdrawal_management_above": 15, "cows_withdrawal_management_min": 20},
        screening={"ciwa-ar": {"withdrawal_flag_at": 16}, "pcl5": {"probable_ptsd_at": 31}},
        updated_at=timezone.now(),
    )
    placement_policy, screening = policy_for(world.program_a1)
    assert placement_policy.cows_withdrawal_management_min == 13
    assert screening == {"pcl5": {"probable_ptsd_at": 31}}
    ciwa = {str(n): 2 for n in range(1, 10)} | {"10": 0}  # 18: moderate, no flag
    response = services.screening_record(
        actor=world.counselor_a1, patient=world.patient_a1, instrument_id="ciwa-ar", answers=ciwa
    )
    assert response.flags == []


def test_a_programs_evidence_table_changes_the_proposal(world: World) -> None:
    from openiop.domain.placement import Dimension
    from openiop.intake.placement import propose_for

    audit = dict(zip([str(n) for n in range(1, 11)], [4, 3, 3, 2, 2, 1, 2, 2, 0, 4], strict=True))
    services.screening_record(
        actor=world.counselor_a1, patient=world.patient_a1, instrument_id="audit", answers=audit
    )
    d5 = Dimension.RELAPSE_CONTINUED_USE
    assert propose_for(world.patient_a1, world.program_a1).dimension(d5).rating == 2
    services.placement_policy_set(
        actor=world.director_a,
        program=world.program_a1,
        placement={"evidence_ratings": {"audit.possible_dependence": 3}},
        screening={},
    )
    assert propose_for(world.patient_a1, world.program_a1).dimension(d5).rating == 3
    with pytest.raises(ValidationError, match="0-4"):
        services.placement_policy_set(
            actor=world.director_a,
            program=world.program_a1,
            placement={"evidence_ratings": {"audit.possible_dependence": 7}},
            screening={},
        )
    with pytest.raises(ValidationError, match="unknown rows"):
        services.placement_policy_set(
            actor=world.director_a,
            program=world.program_a1,
            placement={"evidence_ratings": {"audit.zone_v": 1}},
            screening={},
        )
