"""Services: building the problem, solving, hand edits, publishing, re-solving, curriculum."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError

from openiop.core.models import AuditEvent
from openiop.core.testing import PatientFactory, TrackFactory, World
from openiop.domain.scheduling import count_changes, parse_problem, parse_solution, validate
from openiop.organization.models import StaffAvailability
from openiop.patients.models import EnrollmentStatus
from openiop.scheduling import curriculum, runner, services
from openiop.scheduling.models import (
    GroupSession,
    PatientSchedulePreference,
    ScheduleWeek,
    SessionAssignment,
    SessionStatus,
    WeekStatus,
)
from openiop.scheduling.tests.helpers import (
    SUMMER_WEEK,
    WEEK,
    build_sched,
    enrol,
    find_moves,
    published_week,
    solved_week,
)

pytestmark = pytest.mark.django_db


def _build(world: World, week_start: date = WEEK) -> ScheduleWeek:
    return services.week_build(actor=world.admin_a, organization=world.org_a, week_start=week_start)


def test_building_a_week_turns_enrolments_staff_and_rooms_into_an_iop_week_problem(
    world: World,
) -> None:
    s = build_sched(world)
    week = _build(world)
    p = week.problem
    parse_problem(p)  # a valid iop-week/1 document
    assert week.status == WeekStatus.DRAFT and week.revision == 1
    assert len(p["blocks"]) == 18 and p["blocks"][0] == {
        "id": "mon-am",
        "day": "mon",
        "start": "09:00",
        "end": "12:00",
    }
    patients = {x["id"]: x for x in p["patients"]}
    assert set(patients) == {f"p{x.pk}" for x in s.patients_a1 + s.patients_a2}
    alma = patients[f"p{world.patient_a1.pk}"]
    assert alma == {
        "id": f"p{world.patient_a1.pk}",
        "site": f"s{world.site_a1.pk}",
        "tracks": [f"t{s.track_a1.pk}"],
        "min_hours": 9,
        "max_hours": 15,
        "blocks": [b["id"] for b in p["blocks"]],
        "max_blocks_per_day": 1,
        "telehealth_ok": False,
    }
    rooms = {r["id"]: r for r in p["rooms"]}
    assert rooms[f"r{s.virtual_a.pk}"]["virtual"] and rooms[f"r{s.virtual_a.pk}"]["site"] is None
    assert rooms[f"r{s.room_a1.pk}"]["site"] == f"s{world.site_a1.pk}"
    assert f"r{s.room_b1.pk}" not in rooms
    counselor = {c["id"]: c for c in p["counselors"]}[f"c{world.counselor_a1.pk}"]
    assert counselor["site"] == f"s{world.site_a1.pk}"
    assert counselor["tracks"] == [f"t{s.track_a1.pk}"] and counselor["max_hours"] == 40
    assert len(counselor["blocks"]) == 18
    assert AuditEvent.objects.filter(
        action="add", object_type="scheduling.scheduleweek", object_id=str(week.pk)
    ).exists()


def test_co_occurring_patient_has_one_weekly_total_at_the_larger_minimum(world: World) -> None:
    s = build_sched(world)
    mental_health = TrackFactory.create(program=world.program_a1, name="MH A1")
    enrol(world.patient_a1, mental_health, hours="12")
    alma = {x["id"]: x for x in _build(world).problem["patients"]}[f"p{world.patient_a1.pk}"]
    assert alma["tracks"] == [f"t{s.track_a1.pk}", f"t{mental_health.pk}"]
    assert (alma["min_hours"], alma["max_hours"]) == (12, 18)


def test_discharged_and_not_yet_admitted_patients_are_left_out(world: World) -> None:
    s = build_sched(world)
    gone, later = s.patients_a1[1], s.patients_a1[2]
    gone.enrollments.update(status=EnrollmentStatus.DISCHARGED)
    later.enrollments.update(starts_on=WEEK + timedelta(days=10))
    ids = {x["id"] for x in _build(world).problem["patients"]}
    assert f"p{gone.pk}" not in ids and f"p{later.pk}" not in ids
    assert f"p{world.patient_a1.pk}" in ids


def test_telehealth_preference_and_staff_windows_reach_the_problem(world: World) -> None:
    build_sched(world)
    services.patient_telehealth_set(
        actor=world.counselor_a1, patient=world.patient_a1, telehealth_ok=True
    )
    profile = world.counselor_a2.staff_profile  # type: ignore[attr-defined]
    profile.availability.all().delete()
    StaffAvailability.objects.create(staff=profile, weekday=0, start=time(9), end=time(12))
    StaffAvailability.objects.create(staff=profile, weekday=0, start=time(15), end=time(21))
    profile.sites.add(world.site_a1)  # two sites: may lead at either
    p = _build(world).problem
    alma = {x["id"]: x for x in p["patients"]}[f"p{world.patient_a1.pk}"]
    assert alma["telehealth_ok"] is True
    c2 = {c["id"]: c for c in p["counselors"]}[f"c{world.counselor_a2.pk}"]
    assert c2["blocks"] == ["mon-am", "mon-ev"]  # 13:00-16:00 is not inside one window
    assert c2["site"] is None
    assert AuditEvent.objects.filter(
        action="change", patient_id_value=world.patient_a1.pk, fields=["telehealth_ok"]
    ).exists()


def test_patients_free_times_come_from_intake_availability_when_recorded(world: World) -> None:
    try:
        availability = apps.get_model("intake", "PatientAvailability")
    except LookupError:
        pytest.skip("intake.PatientAvailability is not there yet")
    build_sched(world)
    availability.objects.create(patient=world.patient_a1, weekday=0, start=time(9), end=time(12))
    availability.objects.create(patient=world.patient_a1, weekday=1, start=time(18), end=time(21))
    week = _build(world)
    patients = {x["id"]: x for x in week.problem["patients"]}
    assert patients[f"p{world.patient_a1.pk}"]["blocks"] == ["mon-am", "tue-ev"]
    other = f"p{world.patient_a2.pk}"
    assert len(patients[other]["blocks"]) == 18  # nothing recorded: assumed free, and said so
    assert {"kind": "patient", "ref": other} in [
        {"kind": n["kind"], "ref": n["ref"]} for n in week.notes
    ]


def test_building_refuses_a_non_monday_a_published_week_and_other_roles(world: World) -> None:
    build_sched(world)
    with pytest.raises(ValidationError) as exc:
        _build(world, WEEK + timedelta(days=1))
    assert "week_start" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.week_build(actor=world.counselor_a1, organization=world.org_a, week_start=WEEK)
    with pytest.raises(PermissionDenied):
        services.week_build(actor=world.admin_b, organization=world.org_a, week_start=WEEK)
    assert _build(world).revision == 1 and _build(world).revision == 2
    published_week(world, WEEK + timedelta(days=7))
    with pytest.raises(ValidationError, match="already published"):
        _build(world, WEEK + timedelta(days=7))


def test_solving_reaches_every_patients_minimum_with_a_valid_schedule(world: World) -> None:
    build_sched(world)
    week = solved_week(world)
    stats = week.solution["stats"]
    assert stats["shortfall_hours"] == 0 and stats["valid"] is True
    assert stats["solver"] == "cp-sat" and stats["groups"] == 6  # 3 blocks x 2 sites
    report = validate(parse_problem(week.problem), parse_solution(week.solution))
    assert report.valid and all(h == 9 for h in report.patient_hours.values())
    assert AuditEvent.objects.filter(
        action="change", object_id=str(week.pk), fields=["solution", "status"]
    ).exists()


def test_shortfalls_are_explained_in_the_solution(world: World) -> None:
    s = build_sched(world, a2=2)  # two patients cannot fill a group of at least 3
    week = solved_week(world)
    reasons = {x["patient"]: x["reason"] for x in week.solution["stats"]["shortfalls"]}
    assert set(reasons) == {f"p{p.pk}" for p in s.patients_a2}
    assert "smallest group size" in reasons[f"p{world.patient_a2.pk}"]


def _capacity_world(world: World) -> None:
    s = build_sched(world, a1=8)
    s.room_a1.capacity = 5
    s.room_a1.save()


def test_a_valid_hand_edit_is_saved_and_audited(world: World) -> None:
    _capacity_world(world)
    week = solved_week(world)
    for patient in [world.patient_a1, *world.patient_a1.site.patients.all()]:
        valid, _ = find_moves(week, patient)
        if valid:
            break
    source, target = valid[0]
    week = services.week_move_patient(
        actor=world.admin_a, week=week, patient=patient, from_group=source, to_group=target
    )
    groups = {g["id"]: g["patients"] for g in week.solution["groups"]}
    assert f"p{patient.pk}" in groups[target] and f"p{patient.pk}" not in groups[source]
    assert week.edits == 1 and week.solution["stats"]["hand_edits"] == 1
    assert validate(parse_problem(week.problem), parse_solution(week.solution)).valid
    event = AuditEvent.objects.get(action="change", patient_id_value=patient.pk)
    assert source in event.detail and target in event.detail


def test_an_invalid_hand_edit_is_refused_with_the_validators_reason_and_nothing_saved(
    world: World,
) -> None:
    _capacity_world(world)
    week = solved_week(world)
    _, invalid = find_moves(week, world.patient_a1)
    source, target, errors = invalid[0]
    before = dict(week.solution)
    with pytest.raises(ValidationError) as exc:
        services.week_move_patient(
            actor=world.admin_a,
            week=week,
            patient=world.patient_a1,
            from_group=source,
            to_group=target,
        )
    assert exc.value.message_dict["to_group"] == errors
    week.refresh_from_db()
    assert week.solution == before and week.edits == 0
    assert not AuditEvent.objects.filter(
        action="change", patient_id_value=world.patient_a1.pk
    ).exists()


def test_removing_a_patient_from_a_group_at_its_minimum_size_is_refused(world: World) -> None:
    s = build_sched(world, a1=3)
    week = solved_week(world)
    group = next(g for g in week.solution["groups"] if f"p{s.patients_a1[0].pk}" in g["patients"])
    with pytest.raises(ValidationError) as exc:
        services.week_move_patient(
            actor=world.admin_a,
            week=week,
            patient=s.patients_a1[0],
            from_group=group["id"],
            to_group=None,
        )
    assert "[2]" in exc.value.message_dict["from_group"][0]


def test_hand_edits_are_refused_for_published_weeks_and_for_counselors(world: World) -> None:
    build_sched(world)
    week = solved_week(world)
    group = next(iter(week.solution["groups"]))["id"]
    with pytest.raises(PermissionDenied):
        services.week_move_patient(
            actor=world.counselor_a1,
            week=week,
            patient=world.patient_a1,
            from_group=group,
            to_group=None,
        )
    week = services.week_publish(actor=world.admin_a, week=week)
    with pytest.raises(ValidationError, match="solved revision"):
        services.week_move_patient(
            actor=world.admin_a,
            week=week,
            patient=world.patient_a1,
            from_group=group,
            to_group=None,
        )


def test_publishing_creates_sessions_in_each_sites_time_zone_and_assignments(
    world: World,
) -> None:
    build_sched(world)
    world.site_a2.timezone = "America/Chicago"
    world.site_a2.save()
    week = published_week(world)
    assert week.status == WeekStatus.PUBLISHED and week.published_at is not None
    sessions = list(GroupSession.objects.filter(week=week).select_related("site"))
    assert len(sessions) == 6 and all(s.starts_at.tzinfo is not None for s in sessions)
    for s in sessions:
        local = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5}
        day = WEEK + timedelta(days=local[s.block_id[:3]])
        hour = {"am": 9, "pm": 13, "ev": 18}[s.block_id[4:]]
        offset = 5 if s.site == world.site_a1 else 6  # EST / CST in December
        assert s.starts_at == datetime(day.year, day.month, day.day, hour + offset, tzinfo=UTC)
        assert s.ends_at - s.starts_at == timedelta(hours=3)
    assert SessionAssignment.objects.filter(session__week=week).count() == 9 * 3
    assert AuditEvent.objects.filter(
        action="add",
        patient_id_value=world.patient_a1.pk,
        object_type="scheduling.sessionassignment",
    ).exists()


def test_summer_sessions_use_daylight_saving_time(world: World) -> None:
    build_sched(world)
    week = published_week(world, SUMMER_WEEK)
    first = GroupSession.objects.filter(week=week, site=world.site_a1).order_by("starts_at")[0]
    hour = {"am": 9, "pm": 13, "ev": 18}[first.block_id[4:]]
    assert first.starts_at.astimezone(UTC).hour == hour + 4  # EDT is UTC-4


def test_virtual_groups_use_the_counselors_first_site_time_zone(world: World) -> None:
    s = build_sched(world)
    world.site_a2.timezone = "America/Chicago"
    world.site_a2.save()
    s.room_a2.capacity = 1  # too small for a group: A2's patients must meet online
    s.room_a2.save()
    for p in s.patients_a2:
        PatientSchedulePreference.objects.create(patient=p, telehealth_ok=True)
    week = published_week(world)
    online = GroupSession.objects.filter(week=week, room=s.virtual_a)
    assert online.count() == 3
    for session in online:
        assert session.site is None
        assert session.starts_at.astimezone(UTC).hour in (15, 19, 0)  # 9:00/13:00/18:00 CST


def test_publish_refuses_unsolved_or_already_published_weeks(world: World) -> None:
    build_sched(world)
    with pytest.raises(ValidationError, match="solved"):
        services.week_publish(actor=world.admin_a, week=_build(world))
    published_week(world)
    with pytest.raises(ValidationError):
        services.week_publish(actor=world.admin_a, week=solved_week(world))


def test_publishing_a_week_never_changes_an_earlier_one(world: World) -> None:
    build_sched(world)
    first = published_week(world)
    before = list(GroupSession.objects.filter(week=first).values_list("pk", "starts_at", "status"))
    published_week(world, WEEK + timedelta(days=7))
    after = list(GroupSession.objects.filter(week=first).values_list("pk", "starts_at", "status"))
    assert before == after and len(before) == 6


def test_curriculum_topics_rotate_so_patients_cover_every_topic(world: World) -> None:
    build_sched(world)
    for offset in range(3):
        published_week(world, WEEK + timedelta(days=7 * offset))
    topics = list(
        SessionAssignment.objects.filter(patient=world.patient_a1)
        .order_by("session__starts_at")
        .values_list("session__topic", flat=True)
    )
    assert len(topics) == 9
    assert topics[:7] == list(curriculum.TOPICS)  # same members: a plain rotation
    assert set(topics) == set(curriculum.TOPICS)


def test_a_patient_admitted_mid_stream_still_covers_every_topic(world: World) -> None:
    s = build_sched(world)
    late = PatientFactory.create(site=world.site_a1, program=world.program_a1)
    enrol(late, s.track_a1, starts_on=WEEK + timedelta(days=7))
    for offset in range(4):
        published_week(world, WEEK + timedelta(days=7 * offset))
    topics = list(
        SessionAssignment.objects.filter(patient=late)
        .order_by("session__starts_at")
        .values_list("session__topic", flat=True)
    )
    assert len(topics) == 9 and set(topics) == set(curriculum.TOPICS)


def test_resolve_mid_week_keeps_earlier_days_and_changes_little(world: World) -> None:
    s = build_sched(world, a1=9)
    first = published_week(world)
    kept = set(
        GroupSession.objects.filter(week=first, block_id__startswith="mon").values_list(
            "pk", "starts_at", "status"
        )
    )
    wednesday = WEEK + timedelta(days=2)
    leaver = s.patients_a1[-1]
    with time_machine.travel(datetime(2026, 12, 9, 8, 0, tzinfo=UTC), tick=False):
        leaver.enrollments.update(status=EnrollmentStatus.DISCHARGED)
        newcomer = PatientFactory.create(site=world.site_a1, program=world.program_a1)
        enrol(newcomer, s.track_a1, starts_on=wednesday)
        new = services.week_resolve(actor=world.admin_a, week=first, first_day=wednesday)
        assert new.parent == first and new.revision == 2 and new.starts_on == wednesday
        assert new.problem["blocks"][0]["id"] == "wed-am"
        assert len(new.problem["blocks"]) == 12
        previous = new.problem["previous"]["groups"]
        assert previous and all(g["block"][:3] in {"wed", "thu", "fri", "sat"} for g in previous)
        patients = {p["id"]: p for p in new.problem["patients"]}
        assert f"p{leaver.pk}" not in patients
        done_before = 9 - patients[f"p{world.patient_a1.pk}"]["min_hours"]
        mine = [g for g in first.solution["groups"] if f"p{world.patient_a1.pk}" in g["patients"]]
        assert done_before == 3 * sum(1 for g in mine if g["block"][:3] in {"mon", "tue"})
        assert patients[f"p{newcomer.pk}"]["min_hours"] == 9

        solved = runner.solve_now(new, time_limit=5, seed=0, workers=1)
        assert solved is not None and solved.status == WeekStatus.SOLVED
        unaffected = [p for p in patients if p != f"p{newcomer.pk}"]
        changes = count_changes(parse_problem(solved.problem), parse_solution(solved.solution))
        assert changes <= 0.1 * len(unaffected) + 1
        services.week_publish(actor=world.admin_a, week=solved)

    first.refresh_from_db()
    assert first.status == WeekStatus.SUPERSEDED
    assert kept == set(
        GroupSession.objects.filter(week=first, block_id__startswith="mon").values_list(
            "pk", "starts_at", "status"
        )
    )
    later = GroupSession.objects.filter(week=first, block_id__regex=r"^(wed|thu|fri|sat)")
    assert all(session.status == SessionStatus.CANCELLED for session in later)
    live = SessionAssignment.objects.filter(session__status=SessionStatus.SCHEDULED)
    assert not live.filter(patient=leaver, session__week=new).exists()
    assert live.filter(patient=newcomer).count() == 3


def test_resolve_leaves_out_an_absent_counselor_and_refuses_past_days(world: World) -> None:
    s = build_sched(world)
    second = TrackFactory.create(program=world.program_a1, name="SUD A1 evening")
    world.counselor_a1.staff_profile.tracks.add(second)  # type: ignore[attr-defined]
    first = published_week(world)
    with time_machine.travel(datetime(2026, 12, 9, 8, 0, tzinfo=UTC), tick=False):
        with pytest.raises(ValidationError) as exc:
            services.week_resolve(actor=world.admin_a, week=first, first_day=WEEK)
        assert "first_day" in exc.value.message_dict
        new = services.week_resolve(
            actor=world.admin_a,
            week=first,
            first_day=WEEK + timedelta(days=3),
            absent=[world.counselor_a1],
        )
    ids = {c["id"] for c in new.problem["counselors"]}
    assert f"c{world.counselor_a1.pk}" not in ids and f"c{world.counselor_a2.pk}" in ids
    assert any(n["ref"] == f"c{world.counselor_a1.pk}" for n in new.notes)
    assert s.track_a1.pk and len(new.problem["blocks"]) == 9


def test_required_hours_are_decimals_in_the_database_and_numbers_in_the_problem(
    world: World,
) -> None:
    build_sched(world)
    world.patient_a1.enrollments.update(required_weekly_hours=Decimal("7.5"))
    alma = {x["id"]: x for x in _build(world).problem["patients"]}[f"p{world.patient_a1.pk}"]
    assert alma["min_hours"] == 7.5 and alma["max_hours"] == 15
