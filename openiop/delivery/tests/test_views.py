"""Staff pages and API: they work for the right people, refuse (and audit) the others, keep
a fixed number of queries as patients grow, and answer bad input with field errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from openiop.core.models import AuditEvent
from openiop.core.testing import PASSWORD, login, without_tokens
from openiop.delivery import codes, services
from openiop.delivery.models import (
    AttendanceRecord,
    Disclosure,
    LeaveOfAbsence,
    Note,
    NoteStatus,
)
from openiop.delivery.tests.factories import assign, enrolled_patient, group_session

NY = ZoneInfo("America/New_York")
DAY = date(2026, 11, 4)
NOW = datetime.combine(DAY, time(18, 5), tzinfo=NY)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def setup(world: Any, clock: Any) -> dict[str, Any]:
    session = group_session(track=world.track_a1, counselor=world.counselor_a1, day=DAY)
    patients = [enrolled_patient(world.track_a1, last_name=f"Viewz{i}") for i in range(3)]
    assign(session, *patients)
    note = services.individual_note_save(
        actor=world.counselor_a1,
        patient=patients[0],
        note_format="dap",
        service_date=DAY,
        duration_minutes=50,
        content={"data": "d", "assessment": "a", "plan": "p"},
    )
    return {"world": world, "session": session, "patients": patients, "note": note}


def client_for(user: Any) -> Client:
    return login(Client(), user)


# --- every endpoint refuses staff of another site and of another organization ---------

Endpoint = tuple[str, Callable[[dict[str, Any]], str], dict[str, Any]]
ENDPOINTS: list[Endpoint] = [
    ("get", lambda s: f"/delivery/sessions/{s['session'].pk}/", {}),
    ("post", lambda s: f"/delivery/sessions/{s['session'].pk}/drop-in/", {"reason": "x"}),
    (
        "post",
        lambda s: f"/delivery/sessions/{s['session'].pk}/patients/{s['patients'][0].pk}/check-in/",
        {},
    ),
    (
        "post",
        lambda s: f"/delivery/sessions/{s['session'].pk}/patients/{s['patients'][0].pk}/check-out/",
        {},
    ),
    (
        "get",
        lambda s: (
            f"/delivery/sessions/{s['session'].pk}/patients/{s['patients'][0].pk}/attendance/"
        ),
        {},
    ),
    ("get", lambda s: f"/delivery/sessions/{s['session'].pk}/note/", {}),
    ("get", lambda s: f"/delivery/notes/{s['note'].pk}/", {}),
    ("post", lambda s: f"/delivery/notes/{s['note'].pk}/sign/", {"password": PASSWORD}),
    ("post", lambda s: f"/delivery/notes/{s['note'].pk}/cosign/", {"password": PASSWORD}),
    ("post", lambda s: f"/delivery/notes/{s['note'].pk}/amend/", {"reason": "r", "text": "t"}),
    ("get", lambda s: f"/delivery/patients/{s['patients'][0].pk}/notes/new/", {}),
    (
        "get",
        lambda s: f"/delivery/patients/{s['patients'][0].pk}/notes/{s['note'].pk}/edit/",
        {},
    ),
    ("get", lambda s: f"/delivery/patients/{s['patients'][0].pk}/leave/", {}),
    ("get", lambda s: f"/delivery/patients/{s['patients'][0].pk}/step-down/", {}),
    ("get", lambda s: f"/delivery/patients/{s['patients'][0].pk}/letter/", {}),
    ("get", lambda s: f"/patients/{s['patients'][0].pk}/attendance/", {}),
    ("get", lambda s: f"/patients/{s['patients'][0].pk}/notes/", {}),
    ("get", lambda s: f"/api/v1/delivery/sessions/{s['session'].pk}/roster", {}),
    (
        "post_json",
        lambda s: f"/api/v1/delivery/sessions/{s['session'].pk}/attendance",
        {"patient": 0, "action": "check_in"},
    ),
    (
        "post_json",
        lambda s: f"/api/v1/delivery/sessions/{s['session'].pk}/drop-ins",
        {"patient": 0, "reason": "x"},
    ),
    ("get", lambda s: f"/api/v1/delivery/notes/{s['note'].pk}", {}),
    ("get", lambda s: f"/api/v1/delivery/patients/{s['patients'][0].pk}/hours", {}),
    (
        "post_json",
        lambda s: f"/api/v1/delivery/patients/{s['patients'][0].pk}/leaves",
        {"starts_on": "2026-11-05", "ends_on": "2026-11-06", "reason": "x"},
    ),
]


def _call(client: Client, method: str, url: str, data: dict[str, Any]) -> Any:
    if method == "get":
        return client.get(url)
    if method == "post_json":
        return client.post(url, data, content_type="application/json")
    return client.post(url, data)


@pytest.mark.parametrize("who", ["counselor_a2", "counselor_b1"])
@pytest.mark.parametrize(("method", "url", "data"), ENDPOINTS)
def test_staff_of_another_site_or_organization_is_refused_and_audited(
    setup: dict[str, Any],
    who: str,
    method: str,
    url: Callable[[dict[str, Any]], str],
    data: dict[str, Any],
) -> None:
    user = getattr(setup["world"], who)
    before = AuditEvent.objects.filter(action="denied", username=user.username).count()
    response = _call(client_for(user), method, url(setup), data)
    assert response.status_code in (403, 404)
    assert AuditEvent.objects.filter(action="denied", username=user.username).count() > before
    assert b"Viewz" not in response.content
    assert not AttendanceRecord.objects.exists() and not LeaveOfAbsence.objects.exists()


def test_pages_need_a_session_past_mfa(setup: dict[str, Any]) -> None:
    assert Client().get("/delivery/today/").status_code == 302
    assert Client().get("/api/v1/delivery/notes/1").status_code == 401


def test_today_lists_only_my_sites_sessions_with_counts(setup: dict[str, Any]) -> None:
    w = setup["world"]
    services.attendance_check_in(
        actor=w.counselor_a1, session=setup["session"], patient=setup["patients"][0]
    )
    page = client_for(w.counselor_a1).get("/delivery/today/")
    assert page.status_code == 200
    assert b"1 of 3 checked in" in page.content and b"18:00" in page.content
    other = client_for(w.counselor_b1).get("/delivery/today/")
    assert b"SUD A1" not in other.content
    assert (
        "Dap" not in without_tokens(page.content) and b"Individual counselling note" in page.content
    )


def test_roster_shows_the_session_code_and_one_tap_check_in_returns_the_row(
    setup: dict[str, Any],
) -> None:
    w, session, p = setup["world"], setup["session"], setup["patients"][0]
    c = client_for(w.counselor_a1)
    page = c.get(f"/delivery/sessions/{session.pk}/")
    assert codes.session_code(session).encode() in page.content
    assert AuditEvent.objects.filter(action="query", detail__startswith="roster of").exists()
    row = c.post(
        f"/delivery/sessions/{session.pk}/patients/{p.pk}/check-in/", HTTP_HX_REQUEST="true"
    )
    assert row.status_code == 200
    assert b"Present" in row.content and b"in 18:05" in row.content
    assert b"<html" not in row.content


def test_two_patients_with_the_same_name_are_told_apart_on_the_roster(
    setup: dict[str, Any],
) -> None:
    w, session = setup["world"], setup["session"]
    twins = [enrolled_patient(w.track_a1, first_name="Maria", last_name="Garcia") for _ in range(2)]
    assign(session, *twins)
    body = client_for(w.counselor_a1).get(f"/delivery/sessions/{session.pk}/").content.decode()
    assert body.count("Garcia, Maria") == 2
    assert twins[0].mrn != twins[1].mrn
    assert f"#{twins[0].mrn}" in body and f"#{twins[1].mrn}" in body


def test_a_cancelled_session_shows_no_check_in_code_and_no_check_in_buttons(
    setup: dict[str, Any],
) -> None:
    w, session = setup["world"], setup["session"]
    session.status = "cancelled"
    session.save(update_fields=["status"])
    page = client_for(w.counselor_a1).get(f"/delivery/sessions/{session.pk}/")
    assert page.status_code == 200
    assert b"This session is cancelled." in page.content
    assert codes.session_code(session).encode() not in page.content
    assert b">Check in</button>" not in page.content


def test_roster_hides_patients_of_sites_the_user_does_not_see(setup: dict[str, Any]) -> None:
    w, session = setup["world"], setup["session"]
    assign(session, w.patient_a2)
    page = client_for(w.counselor_a1).get(f"/delivery/sessions/{session.pk}/")
    assert b"Okafor" not in page.content and b"1 more at sites you do not see" in page.content


def test_front_desk_checks_in_but_billing_only_reads(setup: dict[str, Any]) -> None:
    w, session, p = setup["world"], setup["session"], setup["patients"][0]
    url = f"/delivery/sessions/{session.pk}/patients/{p.pk}/check-in/"
    assert client_for(w.billing_a1).post(url).status_code == 403
    assert AuditEvent.objects.filter(action="denied", username="billing_a1").exists()
    assert client_for(w.frontdesk_a1).post(url).status_code == 302
    assert AttendanceRecord.objects.filter(patient=p).exists()


def test_attendance_form_with_bad_times_rerenders_422_naming_the_field(
    setup: dict[str, Any],
) -> None:
    w, session, p = setup["world"], setup["session"], setup["patients"][0]
    url = f"/delivery/sessions/{session.pk}/patients/{p.pk}/attendance/"
    c = client_for(w.counselor_a1)
    response = c.post(url, {"status": "late", "check_in": "", "check_out": ""})
    assert response.status_code == 422 and b"id_check_in-errors" in response.content
    response = c.post(url, {"status": "present", "check_in": "18:00", "check_out": "17:00"})
    assert response.status_code == 422
    response = c.post(url, {"status": "bogus"})
    assert response.status_code == 422
    assert not AttendanceRecord.objects.exists()
    ok = c.post(url, {"status": "late", "check_in": "18:04", "check_out": ""})
    assert ok.status_code == 302
    assert AttendanceRecord.objects.get(patient=p).check_in_at == datetime.combine(
        DAY, time(18, 4), tzinfo=NY
    )


def test_drop_in_form_offers_patients_of_the_track_and_refuses_a_blank_reason(
    setup: dict[str, Any],
) -> None:
    w, session = setup["world"], setup["session"]
    extra = enrolled_patient(w.track_a1, last_name="Dropper")
    c = client_for(w.counselor_a1)
    assert b"Dropper" in c.get(f"/delivery/sessions/{session.pk}/").content
    bad = c.post(f"/delivery/sessions/{session.pk}/drop-in/", {"patient": extra.pk, "reason": ""})
    assert bad.status_code == 422 and b"id_reason-errors" in bad.content
    ok = c.post(
        f"/delivery/sessions/{session.pk}/drop-in/", {"patient": extra.pk, "reason": "Make-up"}
    )
    assert ok.status_code == 302


def test_group_note_written_signed_and_shown_in_each_chart_with_only_their_section(
    setup: dict[str, Any],
) -> None:
    w, session, patients = setup["world"], setup["session"], setup["patients"]
    c = client_for(w.counselor_a1)
    for p in patients[:2]:
        c.post(f"/delivery/sessions/{session.pk}/patients/{p.pk}/check-in/")
    form = {"topic": "Sleep", "interventions": "Psychoeducation", "summary": "Group went well"}
    for p in patients[:2]:
        form.update(
            {
                f"s{p.pk}-participation": "active",
                f"s{p.pk}-response": f"Response of {p.last_name}",
                f"s{p.pk}-progress": "On track",
            }
        )
    saved = c.post(f"/delivery/sessions/{session.pk}/note/", form)
    assert saved.status_code == 302
    note = Note.objects.get(session=session)
    bad = c.post(f"/delivery/notes/{note.pk}/sign/", {"password": "nope"})
    assert bad.status_code == 422 and b"id_password-errors" in bad.content
    assert c.post(f"/delivery/notes/{note.pk}/sign/", {"password": PASSWORD}).status_code == 302
    note.refresh_from_db()
    assert note.status == NoteStatus.SIGNED
    chart = c.get(f"/patients/{patients[0].pk}/notes/").content
    assert b"Group went well" in chart and b"Response of Viewz0" in chart
    assert b"Response of Viewz1" not in chart
    detail = c.get(f"/delivery/notes/{note.pk}/").content
    assert b"signed content verified" in detail


def test_group_note_form_with_an_invalid_choice_is_422_and_saves_nothing(
    setup: dict[str, Any],
) -> None:
    w, session, p = setup["world"], setup["session"], setup["patients"][0]
    c = client_for(w.counselor_a1)
    c.post(f"/delivery/sessions/{session.pk}/patients/{p.pk}/check-in/")
    response = c.post(
        f"/delivery/sessions/{session.pk}/note/",
        {"topic": "x" * 300, f"s{p.pk}-participation": "shouting"},
    )
    assert response.status_code == 422
    assert not Note.objects.filter(session=session).exists()


def test_chart_attendance_tab_draws_the_svg_chart_with_a_table(setup: dict[str, Any]) -> None:
    w, p = setup["world"], setup["patients"][0]
    services.attendance_check_in(actor=w.counselor_a1, session=setup["session"], patient=p)
    page = client_for(w.counselor_a1).get(f"/patients/{p.pk}/attendance/")
    assert page.status_code == 200
    assert b"<svg" in page.content and b"<table" in page.content
    assert b"<script" not in page.content.split(b"</head>")[1]
    assert b'id="unfinished"' not in page.content


def test_letter_view_returns_a_pdf_and_logs_the_disclosure(setup: dict[str, Any]) -> None:
    from openiop.delivery.tests.test_letter import named_consent

    w, p = setup["world"], setup["patients"][0]
    c = client_for(w.counselor_a1)
    url = f"/delivery/patients/{p.pk}/letter/"
    empty = c.get(url)
    assert empty.status_code == 200 and b"no written consent in effect" in empty.content
    consent = named_consent(
        p,
        w.intake_a1,
        recipient_name="County Court",
        recipient_kind="court",
        purpose="legal",
        purpose_detail="",
    )
    page = c.get(url)
    assert b"To County Court, for court, probation or parole" in page.content
    data = {
        "consent": str(consent.pk),
        "period_start": "2026-11-01",
        "period_end": "2026-11-04",
        "include": ["dates", "hours"],
    }
    response = c.post(url, data)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Viewz" not in response["Content-Disposition"]
    assert Disclosure.objects.filter(patient=p, recipient="County Court").exists()
    bad = c.post(url, {**data, "include": ["program"]})
    assert bad.status_code == 422 and Disclosure.objects.count() == 1


def test_a_letter_refused_by_the_gate_shows_the_reason_on_the_form(
    setup: dict[str, Any], monkeypatch: Any
) -> None:
    from openiop.delivery.tests.test_letter import named_consent
    from openiop.privacy.models import Consent

    w, p = setup["world"], setup["patients"][0]
    consent = named_consent(p, w.intake_a1)
    c = client_for(w.counselor_a1)
    url = f"/delivery/patients/{p.pk}/letter/"
    assert c.get(url).status_code == 200
    # Revoked while the form was being filled in: the form still offered it (a race), the gate
    # refuses it.
    Consent.objects.filter(pk=consent.pk).update(
        revoked_at=datetime.now(tz=NY), revoked_by=w.intake_a1, revocation_method="spoken"
    )
    from openiop.delivery import views

    monkeypatch.setattr(views, "letter_consents", lambda patient: [consent])
    response = c.post(
        url,
        {
            "consent": str(consent.pk),
            "period_start": "2026-11-01",
            "period_end": "2026-11-04",
            "include": ["dates"],
        },
    )
    assert response.status_code == 422
    assert b"The letter was not made" in response.content and b"was revoked on" in response.content
    assert Disclosure.objects.count() == 0
    assert (
        AuditEvent.objects.filter(
            action="denied", object_type="privacy.disclosure", patient_id_value=p.pk
        ).count()
        == 1
    )


def test_leave_form_saves_and_bad_dates_are_422(setup: dict[str, Any]) -> None:
    w, p = setup["world"], setup["patients"][0]
    c = client_for(w.counselor_a1)
    url = f"/delivery/patients/{p.pk}/leave/"
    bad = c.post(url, {"starts_on": "2026-11-10", "ends_on": "2026-11-05", "reason": "x"})
    assert bad.status_code == 422 and b"id_ends_on-errors" in bad.content
    assert (
        c.post(
            url, {"starts_on": "2026-11-05", "ends_on": "2026-11-06", "reason": "Court"}
        ).status_code
        == 302
    )


# --- API -----------------------------------------------------------------------------


def test_api_roster_check_in_and_hours(setup: dict[str, Any]) -> None:
    w, session, p = setup["world"], setup["session"], setup["patients"][0]
    c = client_for(w.counselor_a1)
    created = c.post(
        f"/api/v1/delivery/sessions/{session.pk}/attendance",
        {"patient": p.pk, "action": "check_in"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["attendance_status"] == "present"
    roster = c.get(f"/api/v1/delivery/sessions/{session.pk}/roster").json()
    assert len(roster["rows"]) == 3 and roster["hidden"] == 0
    hours = c.get(f"/api/v1/delivery/patients/{p.pk}/hours?week=2026-11-04").json()
    assert hours["week_start"] == "2026-11-02" and hours["required_minutes"] == 540


def test_api_bad_input_is_400_naming_the_fields(setup: dict[str, Any]) -> None:
    w, session, p = setup["world"], setup["session"], setup["patients"][0]
    c = client_for(w.counselor_a1)
    r = c.post(
        f"/api/v1/delivery/sessions/{session.pk}/attendance",
        {"patient": p.pk, "action": "set"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "attendance_status" in r.json()["errors"]
    r = c.post(
        f"/api/v1/delivery/sessions/{session.pk}/attendance",
        {"patient": p.pk, "action": "set", "attendance_status": "late"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "check_in_at" in r.json()["errors"]
    r = c.post(
        f"/api/v1/delivery/patients/{p.pk}/leaves",
        {"starts_on": "2026-11-09", "ends_on": "2026-11-01", "reason": "x"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "ends_on" in r.json()["errors"]
    r = c.get(f"/api/v1/delivery/patients/{p.pk}/hours?week=soon")
    assert r.status_code == 400 and "week" in r.json()["errors"]
    assert not AttendanceRecord.objects.exists() and not LeaveOfAbsence.objects.exists()


def test_api_note_shows_only_sections_of_visible_patients(setup: dict[str, Any]) -> None:
    w, session = setup["world"], setup["session"]
    assign(session, w.patient_a2)
    for patient in [*setup["patients"], w.patient_a2]:
        AttendanceRecord.objects.create(
            session=session, patient=patient, status="present", updated_at=NOW
        )
    note = services.group_note_save(
        actor=w.director_a,
        session=session,
        content={"topic": "t"},
        sections={p.pk: {"response": "r"} for p in [*setup["patients"], w.patient_a2]},
    )
    data = client_for(w.counselor_a1).get(f"/api/v1/delivery/notes/{note.pk}").json()
    assert data["hidden_sections"] == 1
    assert w.patient_a2.pk not in [s["patient"] for s in data["sections"]]


def test_public_check_in_page_works_without_login_and_never_shows_names(
    setup: dict[str, Any],
) -> None:
    session, p = setup["session"], setup["patients"][0]
    c = Client()
    assert c.get("/public/check-in/").status_code == 200
    ok = c.post(
        "/public/check-in/",
        {
            "code": codes.session_code(session),
            "mrn": p.mrn,
            "date_of_birth": "1990-05-17",
            "leaving": "0",
        },
    )
    assert ok.status_code == 200 and b"You are checked in" in ok.content
    assert p.last_name.encode() not in ok.content
    bad = c.post(
        "/public/check-in/",
        {
            "code": codes.session_code(session),
            "mrn": "0000999",
            "date_of_birth": "1990-05-17",
            "leaving": "0",
        },
    )
    assert bad.status_code == 422 and services.GENERIC_REFUSAL.encode() in bad.content
    empty = c.post("/public/check-in/", {})
    assert empty.status_code == 422 and b"id_code-errors" in empty.content


# --- constant queries as data grows ---------------------------------------------------


def _grow(world: Any, session: Any, n: int) -> None:
    patients = [enrolled_patient(world.track_a1, last_name=f"Many{i}") for i in range(n)]
    assign(session, *patients)
    for p in patients:
        AttendanceRecord.objects.create(
            session=session, patient=p, status="present", updated_at=NOW
        )
        others = group_session(
            track=world.track_a1, counselor=world.counselor_a1, day=DAY - timedelta(days=1)
        )
        assign(others, p)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["roster", "today", "week"])
def test_pages_keep_a_constant_number_of_queries_as_patients_grow(
    setup: dict[str, Any], page: str
) -> None:
    w, session = setup["world"], setup["session"]
    url = {
        "roster": f"/delivery/sessions/{session.pk}/",
        "today": "/delivery/today/",
        "week": "/delivery/week/",
    }[page]
    c = client_for(w.counselor_a1)
    c.get(url)  # warm up: the first request of a session writes the session's timestamps
    _grow(w, session, 2)
    small = _queries(c, url)
    _grow(w, session, 12)
    large = _queries(c, url)
    assert large == small, (small, large)
