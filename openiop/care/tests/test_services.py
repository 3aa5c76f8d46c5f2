"""Care services: plans (ICD-10, locking, versions), drug screens and the relapse workflow,
community support, taper decisions and discharge. Every write is audited and all-or-nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openiop.care.community.services import peer_meetings_record, support_profile_set
from openiop.care.discharge.services import (
    default_follow_up_dates,
    discharge_record,
    follow_up_complete,
)
from openiop.care.models import (
    DrugScreenResult,
    EnrollmentPhase,
    Objective,
    ObjectiveProgressNote,
    PeerMeetingWeek,
    PlanStatus,
    Problem,
    RecommendationStatus,
    RelapseEvent,
    TaperRecommendation,
    TreatmentPlan,
)
from openiop.care.plans.services import (
    objective_progress_add,
    objective_set_status,
    plan_create,
    plan_revise,
    plan_sign,
    problem_add,
)
from openiop.care.relapse.services import (
    relapse_close,
    relapse_notify,
    relapse_open,
    relapse_plan_step,
    relapse_review,
    relapse_safety_check,
)
from openiop.care.screens.services import (
    drug_screen_order,
    drug_screen_record_result,
    prescription_add,
)
from openiop.care.taper.services import taper_approve, taper_decline, taper_recommend
from openiop.care.tests.factories import (
    attendance,
    enrol,
    ready_to_step_down,
    resulted_screen,
    signed_plan,
    today,
)
from openiop.core.models import AuditEvent
from openiop.core.testing import World
from openiop.patients.models import EnrollmentStatus

pytestmark = pytest.mark.django_db


def _events(action: str, object_type: str) -> int:
    return AuditEvent.objects.filter(action=action, object_type=object_type).count()


# --- plans ---------------------------------------------------------------------------------


def test_a_plan_is_built_signed_and_then_locked(world: World) -> None:
    c = world.counselor_a1
    plan = signed_plan(c, enrol(world))
    assert plan.status == PlanStatus.SIGNED and plan.signature_attested_by == c
    assert plan.patient_signature_name == "Alma Quintero"
    with pytest.raises(ValidationError) as exc:
        problem_add(actor=c, plan=plan, description="Another one", icd10_code="F41.1")
    assert "locked" in str(exc.value)
    assert _events("change", "care.treatmentplan") == 1


def test_a_header_icd10_code_is_refused_on_the_field_and_nothing_is_saved(world: World) -> None:
    c = world.counselor_a1
    plan = plan_create(actor=c, enrollment=enrol(world), review_on=today())
    with pytest.raises(ValidationError) as exc:
        problem_add(actor=c, plan=plan, description="x", icd10_code="F10.2")
    assert set(exc.value.message_dict) == {"description", "icd10_code"}
    assert "F10.20, F10.21" in exc.value.message_dict["icd10_code"][0]
    assert not Problem.objects.exists()


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("F99.9", "not a code of ICD-10-CM FY2026"),
        ("F31.79", "not a code of ICD-10-CM FY2026"),
        ("F43.8", "choose one of F43.81, F43.89"),
        ("F10.2", "choose one of F10.20, F10.21"),
    ],
)
def test_codes_that_do_not_exist_or_are_not_billable_are_refused(
    world: World, code: str, says: str
) -> None:
    c = world.counselor_a1
    plan = plan_create(actor=c, enrollment=enrol(world), review_on=today())
    with pytest.raises(ValidationError) as exc:
        problem_add(actor=c, plan=plan, description="Something", icd10_code=code)
    assert set(exc.value.message_dict) == {"icd10_code"}
    assert says in exc.value.message_dict["icd10_code"][0]
    assert not Problem.objects.exists()
    assert not AuditEvent.objects.filter(action="add", object_type="care.problem").exists()


def test_a_saved_diagnosis_keeps_its_description_and_code_set_version(world: World) -> None:
    c = world.counselor_a1
    plan = plan_create(actor=c, enrollment=enrol(world), review_on=today())
    problem = problem_add(actor=c, plan=plan, description="Hoarding", icd10_code="f42.3")
    problem.refresh_from_db()
    assert problem.icd10_code == "F42.3" and problem.icd10_label == "Hoarding disorder"
    assert problem.code_set_version == "ICD-10-CM FY2026" and problem.code_in_table
    event = AuditEvent.objects.get(action="add", object_type="care.problem")
    assert "code_set_version" in event.fields


def test_signing_needs_every_part_of_the_plan_and_a_real_date(world: World) -> None:
    c = world.counselor_a1
    plan = plan_create(actor=c, enrollment=enrol(world), review_on=today())
    with pytest.raises(ValidationError) as exc:
        plan_sign(actor=c, plan=plan, patient_name="", signed_on=today() + timedelta(days=1))
    assert {"patient_name", "signed_on", "__all__"} <= set(exc.value.message_dict)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_a_revision_copies_the_plan_and_signing_it_supersedes_the_old_version(
    world: World,
) -> None:
    c = world.counselor_a1
    v1 = signed_plan(c, enrol(world))
    v2 = plan_revise(actor=c, plan=v1, reason="Relapse at the weekend")
    assert v2.version == 2 and v2.status == PlanStatus.DRAFT and v2.previous == v1
    old, new = list(v1.objectives.order_by("id")), list(v2.objectives.order_by("id"))
    assert [o.lineage for o in old] == [o.lineage for o in new]
    assert [o.status for o in old] == [o.status for o in new]
    with pytest.raises(ValidationError):
        plan_revise(actor=c, plan=v1, reason="Second draft")
    plan_sign(actor=c, plan=v2, patient_name="Alma Q.", signed_on=today())
    v1.refresh_from_db()
    assert v1.status == PlanStatus.SUPERSEDED
    with pytest.raises(ValidationError):
        objective_set_status(actor=c, objective=old[0], status="behind")


def test_progress_stays_with_an_objective_across_versions(world: World) -> None:
    c = world.counselor_a1
    v1 = signed_plan(c, enrol(world))
    first = v1.objectives.order_by("id").first()
    assert first is not None
    objective_progress_add(actor=c, objective=first, excerpt="Used urge surfing twice.")
    v2 = plan_revise(actor=c, plan=v1, reason="Add a weekend plan")
    copy = Objective.objects.get(plan=v2, lineage=first.lineage)
    assert ObjectiveProgressNote.objects.filter(lineage=copy.lineage).count() == 1


def test_a_billing_user_or_another_sites_counselor_cannot_write_a_plan(world: World) -> None:
    enrollment = enrol(world)
    for actor in (world.billing_a1, world.counselor_a2, world.counselor_b1, world.frontdesk_a1):
        with pytest.raises(PermissionDenied):
            plan_create(actor=actor, enrollment=enrollment, review_on=today())
    assert not TreatmentPlan.objects.exists()


# --- drug screens and relapse ------------------------------------------------------------------


def test_an_unexpected_positive_screen_opens_the_relapse_workflow(world: World) -> None:
    c = world.counselor_a1
    enrollment = enrol(world)
    screen, event = resulted_screen(c, world.patient_a1, positive=("fentanyl",))
    assert event is not None and event.source == "positive_screen"
    assert event.drug_screen == screen and event.enrollment == enrollment
    assert event.status == "open" and "Fentanyl" in event.substances
    assert _events("add", "care.relapseevent") == 1


def test_a_prescribed_class_is_expected_and_does_not_open_the_workflow(world: World) -> None:
    c = world.counselor_a1
    enrol(world)
    prescription_add(
        actor=c,
        patient=world.patient_a1,
        medication="Buprenorphine-naloxone",
        substance_class="buprenorphine",
        starts_on=today() - timedelta(days=30),
    )
    screen, event = resulted_screen(c, world.patient_a1, positive=("buprenorphine",))
    assert event is None and not RelapseEvent.objects.exists()
    result = DrugScreenResult.objects.get(screen=screen, substance_class="buprenorphine")
    assert result.expected and not result.unexpected_positive


def test_a_prescription_that_ended_before_collection_does_not_explain_a_positive(
    world: World,
) -> None:
    c = world.counselor_a1
    prescription_add(
        actor=c,
        patient=world.patient_a1,
        medication="Methadone",
        substance_class="methadone",
        starts_on=today() - timedelta(days=90),
        ends_on=today() - timedelta(days=30),
    )
    _, event = resulted_screen(
        c, world.patient_a1, positive=("methadone",), panel=("methadone", "opiate")
    )
    assert event is not None


def test_a_result_must_cover_the_whole_panel_and_saves_nothing_otherwise(world: World) -> None:
    c = world.counselor_a1
    screen = drug_screen_order(
        actor=c, patient=world.patient_a1, method="laboratory", panel=["cocaine", "opiate"]
    )
    with pytest.raises(ValidationError) as exc:
        drug_screen_record_result(
            actor=c,
            screen=screen,
            collected_on=today(),
            results={"cocaine": "positive", "alcohol": "negative"},
        )
    assert set(exc.value.message_dict) == {"opiate", "alcohol"}
    assert not DrugScreenResult.objects.exists() and not RelapseEvent.objects.exists()
    screen.refresh_from_db()
    assert screen.status == "ordered"


def test_the_relapse_workflow_closes_only_when_every_step_is_done(world: World) -> None:
    c = world.counselor_a1
    enrollment = enrol(world)
    signed_plan(c, enrollment)
    event = relapse_open(
        actor=c,
        patient=world.patient_a1,
        source="family_report",
        occurred_on=today() - timedelta(days=2),
        substances="alcohol",
    )
    with pytest.raises(ValidationError) as exc:
        relapse_close(actor=c, event=event)
    assert "Safety check" in str(exc.value)
    with pytest.raises(ValidationError):
        relapse_safety_check(actor=c, event=event, findings=["none", "overdose_risk"])
    relapse_safety_check(actor=c, event=event, findings=["overdose_risk"], notes="Naloxone")
    event = relapse_plan_step(actor=c, event=event, revise=True, note="Add weekend plan")
    assert event.plan_revision is not None and event.plan_revision.version == 2
    relapse_notify(
        actor=c, event=event, recipients=[world.director_a], text="Drank on Saturday; safe."
    )
    event = relapse_review(actor=c, event=event)
    assert event.recommendation is not None
    assert event.recommendation.decision == "step_up"  # a relapse in phase 3 -> phase 2
    event = relapse_close(actor=c, event=event)
    assert event.status == "closed" and event.all_steps_done


def test_staff_of_another_organization_cannot_be_notified(world: World) -> None:
    c = world.counselor_a1
    event = relapse_open(
        actor=c, patient=world.patient_a1, source="self_report", occurred_on=today()
    )
    with pytest.raises(ValidationError) as exc:
        relapse_notify(actor=c, event=event, recipients=[world.counselor_b1], text="hello")
    assert "recipients" in exc.value.message_dict


def test_a_positive_screen_cannot_be_reported_by_hand(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        relapse_open(
            actor=world.counselor_a1,
            patient=world.patient_a1,
            source="positive_screen",
            occurred_on=today() + timedelta(days=1),
        )
    assert set(exc.value.message_dict) == {"source", "occurred_on"}


# --- community support ----------------------------------------------------------------------


def test_peer_meetings_are_kept_per_week_and_kind_and_a_new_record_replaces_the_old(
    world: World,
) -> None:
    c, p = world.counselor_a1, world.patient_a1
    day = today() - timedelta(days=9)
    peer_meetings_record(actor=c, patient=p, week_start=day, counts={"aa": 2, "smart": 0})
    peer_meetings_record(actor=c, patient=p, week_start=day, counts={"aa": 3})
    rows = {r.kind: r.count for r in PeerMeetingWeek.objects.filter(patient=p)}
    assert rows == {"aa": 3, "smart": 0}
    assert {r.week_start.weekday() for r in PeerMeetingWeek.objects.all()} == {0}
    with pytest.raises(ValidationError) as exc:
        peer_meetings_record(actor=c, patient=p, week_start=day, counts={"bingo": 1, "aa": -1})
    assert set(exc.value.message_dict) == {"bingo", "aa"}


def test_supports_refuse_a_future_last_use_and_unknown_fields(world: World) -> None:
    c, p = world.counselor_a1, world.patient_a1
    with pytest.raises(ValidationError) as exc:
        support_profile_set(
            actor=c, patient=p, data={"last_use_reported_on": today() + timedelta(days=1)}
        )
    assert "last_use_reported_on" in exc.value.message_dict
    with pytest.raises(ValidationError):
        support_profile_set(actor=c, patient=p, data={"ssn": "123"})


# --- tapering ------------------------------------------------------------------------------------


def test_approving_a_step_down_sets_the_required_hours_and_the_phase(world: World) -> None:
    c = world.counselor_a1
    enrollment = enrol(world, weeks_ago=10)
    ready_to_step_down(world, c, enrollment)
    attendance(world.patient_a1, enrollment, c, hours=[3.0] * 12)
    rec = taper_recommend(actor=c, enrollment=enrollment)
    assert rec.decision == "step_down" and rec.target_phase == "step-down"
    assert rec.weekly_hours == Decimal("6.0") and rec.inputs["unknown"] == {}
    taper_approve(actor=c, recommendation=rec)
    enrollment.refresh_from_db()
    assert enrollment.required_weekly_hours == Decimal("6.0")
    assert EnrollmentPhase.objects.get(enrollment=enrollment).phase_id == "step-down"
    event = AuditEvent.objects.filter(object_type="patients.enrollment", action="change").last()
    assert event is not None and "required_weekly_hours" in event.fields
    with pytest.raises(ValidationError):
        taper_approve(actor=c, recommendation=rec)


def test_a_new_recommendation_supersedes_the_pending_one(world: World) -> None:
    c = world.counselor_a1
    enrollment = enrol(world)
    first = taper_recommend(actor=c, enrollment=enrollment)
    second = taper_recommend(actor=c, enrollment=enrollment)
    first.refresh_from_db()
    assert first.status == RecommendationStatus.SUPERSEDED
    assert second.status == RecommendationStatus.PENDING


def test_declining_needs_a_reason_and_changes_no_hours(world: World) -> None:
    c = world.counselor_a1
    enrollment = enrol(world)
    rec = taper_recommend(actor=c, enrollment=enrollment)
    with pytest.raises(ValidationError) as exc:
        taper_decline(actor=c, recommendation=rec, reason=" ")
    assert "reason" in exc.value.message_dict
    taper_decline(actor=c, recommendation=rec, reason="Wants to stay in phase 3")
    rec.refresh_from_db()
    enrollment.refresh_from_db()
    assert rec.status == "declined" and enrollment.required_weekly_hours == Decimal("9")


def test_approving_a_move_outside_the_iop_records_it_without_changing_hours(world: World) -> None:
    c = world.counselor_a1
    enrollment = enrol(world)
    rec = taper_recommend(actor=c, enrollment=enrollment)
    TaperRecommendation.objects.filter(pk=rec.pk).update(
        decision="step_up",
        target_phase="partial-hospitalisation",
        target_level="2.5",
        weekly_hours=Decimal("20"),
    )
    rec.refresh_from_db()
    taper_approve(actor=c, recommendation=rec)
    enrollment.refresh_from_db()
    assert enrollment.required_weekly_hours == Decimal("9")
    assert not EnrollmentPhase.objects.exists()


def test_only_clinicians_decide_on_tapering(world: World) -> None:
    enrollment = enrol(world)
    rec = taper_recommend(actor=world.counselor_a1, enrollment=enrollment)
    for actor in (world.intake_a1, world.billing_a1, world.counselor_a2, world.director_b):
        with pytest.raises(PermissionDenied):
            taper_approve(actor=actor, recommendation=rec)


# --- discharge ---------------------------------------------------------------------------------


def test_discharge_ends_the_enrolment_schedules_follow_ups_and_closes_recommendations(
    world: World,
) -> None:
    c = world.counselor_a1
    enrollment = enrol(world)
    rec = taper_recommend(actor=c, enrollment=enrollment)
    discharge = discharge_record(
        actor=c,
        enrollment=enrollment,
        kind="completed",
        discharged_on=today(),
        summary="Completed all phases; 10 weeks without use; strong AA network.",
        crisis_plan="Call sponsor, then 988; go to Riverside ED if unsafe.",
        next_provider="Dr. Okoro, outpatient",
        follow_up_dates=default_follow_up_dates(today()),
    )
    enrollment.refresh_from_db()
    rec.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.DISCHARGED and enrollment.ends_on == today()
    assert discharge.follow_ups.count() == 4 and rec.status == "superseded"
    follow_up = discharge.follow_ups.first()
    assert follow_up is not None
    follow_up_complete(actor=c, follow_up=follow_up, done_on=today(), outcome="Doing well")
    with pytest.raises(ValidationError):
        discharge_record(
            actor=c,
            enrollment=enrollment,
            kind="completed",
            discharged_on=today(),
            summary="again " * 10,
            crisis_plan="Call 988 at once",
        )


def test_a_bad_discharge_names_each_field_and_saves_nothing(world: World) -> None:
    enrollment = enrol(world)
    with pytest.raises(ValidationError) as exc:
        discharge_record(
            actor=world.counselor_a1,
            enrollment=enrollment,
            kind="expelled",
            discharged_on=today() + timedelta(days=1),
            summary="short",
            crisis_plan="",
            follow_up_dates=[today() - timedelta(days=1)],
        )
    assert set(exc.value.message_dict) == {
        "kind",
        "discharged_on",
        "summary",
        "crisis_plan",
        "follow_up_1",
    }
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
