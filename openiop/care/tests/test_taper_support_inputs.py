"""The taper engine's community-support input reads support services: contacts with a peer
recovery specialist in the recorded meeting weeks (not unanswered attempts), and the social
needs open at the decision or resolved during the enrolment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from openiop.care.common import monday
from openiop.care.community.services import support_profile_set
from openiop.care.taper import inputs
from openiop.care.tests.factories import enrol, meetings
from openiop.core.testing import World
from openiop.domain.tapering import Stance
from openiop.support.models import Need, NeedSource, NeedStatus, PeerContact, PeerContactKind

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 10, 15, 0, tzinfo=timezone.get_fixed_timezone(0))  # a Wednesday


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _today() -> date:
    return timezone.localdate()


def _contact(world: World, day: date, kind: str = PeerContactKind.PHONE) -> None:
    PeerContact.objects.create(
        organization=world.org_a,
        patient=world.patient_a1,
        staff=world.peer_a1,
        contacted_on=day,
        kind=kind,
        recorded_at=timezone.now(),
    )


def _need(world: World, kind: str, *, found: date, closed: date | None = None, **kw: Any) -> Need:
    return Need.objects.create(
        organization=world.org_a,
        patient=world.patient_a1,
        kind=kind,
        source=NeedSource.STAFF,
        identified_on=found,
        identified_by=world.counselor_a1,
        status=kw.pop("status", NeedStatus.OPEN if closed is None else NeedStatus.RESOLVED),
        closed_on=closed,
        closed_by=world.counselor_a1 if closed else None,
    )


def test_peer_contacts_are_read_per_recorded_meeting_week_without_attempts(
    world: World,
) -> None:
    e = enrol(world)
    meetings(world.counselor_a1, world.patient_a1, [0, 1, 0])  # the last three complete weeks
    this_monday = monday(_today())
    three, two, one = (this_monday - timedelta(weeks=n) for n in (3, 2, 1))
    _contact(world, three + timedelta(days=1))
    _contact(world, three + timedelta(days=3), PeerContactKind.TEXT)
    _contact(world, two + timedelta(days=2), PeerContactKind.ATTEMPT)  # not a contact
    _contact(world, one + timedelta(days=6), PeerContactKind.GROUP)
    _contact(world, this_monday)  # the current, incomplete week: outside the window
    _contact(world, this_monday - timedelta(weeks=4))  # a week without a meeting record
    g = inputs.gather(e)
    assert g.inp.community.peer_meetings_per_week == (0, 1, 0)
    assert g.inp.community.peer_contacts_per_week == (2, 0, 1)
    assert g.facts["peer_contacts"] == 3
    assert inputs.inputs_to_json(g)["peer_contacts_per_week"] == [2, 0, 1]


def test_contacts_make_up_the_weekly_engagement_in_the_recommendation(world: World) -> None:
    e = enrol(world)
    meetings(world.counselor_a1, world.patient_a1, [1, 1, 0, 0])
    support_profile_set(
        actor=world.counselor_a1, patient=world.patient_a1, data={"has_sponsor_or_mentor": True}
    )
    before = inputs.recommend(inputs.gather(e)).reason("community")
    assert before.stance is Stance.FOR_HOLD
    this_monday = monday(_today())
    for n in (2, 1):
        _contact(world, this_monday - timedelta(weeks=n) + timedelta(days=2))
    after = inputs.recommend(inputs.gather(e)).reason("community")
    assert after.stance is Stance.FOR_STEP_DOWN
    assert "peer meetings or peer support contacts" in after.text


def test_no_meeting_record_stays_unknown_whatever_the_contacts(world: World) -> None:
    e = enrol(world)
    _contact(world, _today() - timedelta(days=8))
    g = inputs.gather(e)
    assert "community" in g.unknown
    assert g.inp.community.peer_contacts_per_week == ()
    assert inputs.recommend(g).reason("community").text.startswith("Unknown")


def test_needs_open_at_the_decision_and_resolved_during_the_enrolment(world: World) -> None:
    e = enrol(world, weeks_ago=8)
    t = _today()
    _need(world, "housing", found=t - timedelta(days=30))
    _need(world, "food", found=t - timedelta(days=40), closed=t - timedelta(days=5))
    _need(world, "legal", found=t - timedelta(weeks=30), closed=t - timedelta(weeks=20))  # before
    _need(
        world,
        "transportation",
        found=t - timedelta(days=20),
        closed=t - timedelta(days=2),
        status=NeedStatus.UNRESOLVED,
    )
    _need(world, "safety", found=t + timedelta(days=1))  # after the decision day
    g = inputs.gather(e)
    assert g.inp.community.needs_open == ("housing",)
    assert g.inp.community.needs_resolved == ("food",)
    assert g.facts["needs_open"] == ["housing"]
    reason = inputs.recommend(g).reason("social_needs")
    assert reason.stance is Stance.NEUTRAL
    assert "An open housing need: stepping down may wait until it is met." in reason.text
    assert "Met during treatment: food." in reason.text


def test_a_need_closed_after_the_decision_day_was_open_on_it(world: World) -> None:
    e = enrol(world, weeks_ago=8)
    t = _today()
    _need(world, "safety", found=t - timedelta(days=10), closed=t - timedelta(days=1))
    g = inputs.gather(e, today=t - timedelta(days=3))
    assert g.inp.community.needs_open == ("safety",)
    assert g.inp.community.needs_resolved == ()


def test_another_patient_s_needs_and_contacts_are_not_read(world: World) -> None:
    e = enrol(world)
    meetings(world.counselor_a1, world.patient_a1, [1, 1])
    Need.objects.create(
        organization=world.org_a,
        patient=world.patient_a2,
        kind="housing",
        source=NeedSource.STAFF,
        identified_on=_today() - timedelta(days=3),
        identified_by=world.counselor_a1,
    )
    PeerContact.objects.create(
        organization=world.org_a,
        patient=world.patient_a2,
        staff=world.peer_a1,
        contacted_on=monday(_today()) - timedelta(days=3),
        kind=PeerContactKind.PHONE,
        recorded_at=timezone.now(),
    )
    g = inputs.gather(e)
    assert g.inp.community.needs_open == ()
    assert g.inp.community.peer_contacts_per_week == (0, 0)
    assert "social_needs" not in inputs.recommend(g).inputs_cited
