"""The delivery demo: nothing without published sessions; realistic attendance and notes
with them."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from openiop.accounts.models import User
from openiop.core import demo
from openiop.delivery import signing
from openiop.delivery.demo import extend_demo
from openiop.delivery.hours import week_compliance
from openiop.delivery.models import (
    AttendanceRecord,
    LeaveOfAbsence,
    Note,
    NoteAmendment,
    NoteStatus,
)
from openiop.delivery.tests.factories import assign, group_session
from openiop.organization.models import Organization, Track
from openiop.patients.models import Enrollment
from openiop.scheduling.models import GroupSession

TODAY = date(2026, 11, 5)  # a Thursday
NOW = datetime.combine(TODAY, time(19, 30), tzinfo=ZoneInfo("America/New_York"))


def test_without_published_sessions_the_demo_adds_nothing(world: Any) -> None:
    extend_demo(org=world.org_a, rng=random.Random(1), today=TODAY)
    assert not AttendanceRecord.objects.exists()
    assert not Note.objects.exists() and not LeaveOfAbsence.objects.exists()


def _sessions_if_scheduling_published_none(org: Organization) -> None:
    """The scheduling demo publishes past weeks; without it, publish a few sessions here."""
    if GroupSession.objects.filter(organization=org).exists():
        return
    counselor = User.objects.get(username="counselor.main")
    track = Track.objects.filter(program__site__organization=org).order_by("pk").first()
    assert track is not None
    patients = [e.patient for e in Enrollment.objects.filter(track=track)][:8]
    for offset in range(-10, 1):
        for start in (time(9), time(18)):
            session = group_session(
                track=track, counselor=counselor, day=TODAY + timedelta(days=offset), start=start
            )
            assign(session, *patients)
    extend_demo(org=org, rng=random.Random(1), today=TODAY)


def test_the_demo_shows_attendance_signed_notes_drafts_today_and_a_leave(db: None) -> None:
    with time_machine.travel(NOW, tick=False):
        demo.build_demo(seed=11, patients=60, today=TODAY)
        org = Organization.objects.get(name=demo.ORG_NAME)
        _sessions_if_scheduling_published_none(org)
        statuses = set(AttendanceRecord.objects.values_list("status", flat=True))
        assert {"present", "late", "left_early"} <= statuses
        signed = Note.objects.exclude(status=NoteStatus.DRAFT)
        assert signed.exists()
        for note in signed.filter(kind="group")[:5]:
            assert signing.stored_note_digest(note) == note.signed_hash
            assert note.sections.exists()
        # The appointments' individual and medication notes: signed, no sections.
        individual = signed.filter(kind="individual")
        assert individual.filter(format="med").exists()
        for note in individual[:5]:
            assert signing.stored_note_digest(note) == note.signed_hash
            assert not note.sections.exists()
        assert Note.objects.filter(status=NoteStatus.DRAFT, service_date=TODAY).exists()
        assert NoteAmendment.objects.count() == 1
        assert LeaveOfAbsence.objects.count() == 1
        computed = week_compliance(organization_id=org.pk, week_start=date(2026, 11, 2), as_of=NOW)
        assert any(w.attended_minutes > 0 for w in computed.results.values())


def test_demo_pages_render_for_the_main_counselor(db: None) -> None:
    from django.test import Client

    from openiop.core.testing import login

    with time_machine.travel(NOW, tick=False):
        demo.build_demo(seed=11, patients=60, today=TODAY)
        org = Organization.objects.get(name=demo.ORG_NAME)
        _sessions_if_scheduling_published_none(org)
        counselor = User.objects.get(username="counselor.main")
        client = login(Client(), counselor)
        for url in ("/delivery/today/", "/delivery/week/", "/delivery/today/?date=2026-11-03"):
            assert client.get(url).status_code == 200, url
        session = GroupSession.objects.filter(
            organization=org, site__name="Riverbend Main Street"
        ).first()
        if session is not None:
            assert client.get(f"/delivery/sessions/{session.pk}/").status_code == 200
        note = Note.objects.exclude(status=NoteStatus.DRAFT).filter(author=counselor).first()
        if note is not None:
            assert b"signed content verified" in client.get(f"/delivery/notes/{note.pk}/").content
