"""Printable records: what each PDF states, the note's own-part rule, who may print, the
audit trail, and the disclosure gate for a copy that leaves the program."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from openiop.care.discharge.services import discharge_record
from openiop.care.tests.factories import signed_plan
from openiop.core.models import AuditEvent
from openiop.core.testing import PASSWORD, login, without_tokens
from openiop.delivery import services as delivery_services
from openiop.delivery.models import Note
from openiop.delivery.tests.factories import (
    assign,
    enrolled_patient,
    enrollment_of,
    group_session,
)
from openiop.privacy.models import Consent, Disclosure

NY = ZoneInfo("America/New_York")
DAY = date(2026, 11, 4)
NOW = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
GROUP = {
    "topic": "Relapse triggers",
    "interventions": "CBT chain analysis",
    "summary": "The group mapped high-risk situations.",
}


def section(words: str) -> dict[str, str]:
    return {"participation": "active", "response": words, "progress": f"progress {words}"}


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ctx(world: Any, clock: Any) -> dict[str, Any]:
    """Two patients in one signed group note; Dana has a signed plan and is discharged."""
    session = group_session(track=world.track_a1, counselor=world.counselor_a1, day=DAY)
    dana = enrolled_patient(world.track_a1, first_name="Dana", last_name="Whitfield")
    ezra = enrolled_patient(world.track_a1, first_name="Ezra", last_name="Blackwood")
    assign(session, dana, ezra)
    for p in (dana, ezra):
        delivery_services.attendance_check_in(
            actor=world.counselor_a1,
            session=session,
            patient=p,
            at=datetime.combine(DAY, time(18), tzinfo=NY),
        )
    note = delivery_services.group_note_save(
        actor=world.counselor_a1,
        session=session,
        content=GROUP,
        sections={
            dana.pk: section("Dana spoke about her sister"),
            ezra.pk: section("Ezra kept quiet"),
        },
    )
    delivery_services.note_sign(actor=world.counselor_a1, note=note, password=PASSWORD)
    note.refresh_from_db()
    delivery_services.note_amend(
        actor=world.counselor_a1,
        note=note,
        reason="correction",
        text="Ezra arrived late",
        password=PASSWORD,
        section_patient=ezra,
    )
    delivery_services.note_amend(
        actor=world.counselor_a1,
        note=note,
        reason="correction",
        text="Dana asked for a sponsor list",
        password=PASSWORD,
        section_patient=dana,
    )
    plan = signed_plan(world.counselor_a1, enrollment_of(dana))
    discharge = discharge_record(
        actor=world.counselor_a1,
        enrollment=enrollment_of(dana),
        kind="completed",
        discharged_on=date(2026, 11, 9),
        summary="Completed all phases of the program.",
        crisis_plan="Call her sponsor, then 988.",
        next_provider="Dr. Okoro, outpatient",
        peer_groups="AA on Tuesdays",
        medications="Naltrexone 50 mg",
    )
    return {
        "w": world,
        "dana": dana,
        "ezra": ezra,
        "note": note,
        "plan": plan,
        "discharge": discharge,
        "session": session,
    }


def url(patient: Any, kind: str, obj: Any = None) -> str:
    if obj is None:
        return reverse("records:document", args=[patient.pk, kind])
    return reverse("records:document_of", args=[patient.pk, kind, getattr(obj, "pk", obj)])


def text_of(response: Any) -> str:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def download(client: Client, path: str, **data: str) -> Any:
    return client.post(path, {"use": "inside", **data})


def common(text: str, who: str = "Dana Whitfield") -> None:
    """Letterhead, identity, printer, notice and page footer on every record."""
    assert "Org A" in text and "A1, 1 Main Street" in text
    assert f"Patient: {who}" in text and "record number" in text
    assert "Printed on 2026-11-10 10:00 EST by" in text
    assert "printed on 2026-11-10 10:00 EST by" in text  # the page footer
    assert "Notice (42 CFR 2.32)" in text
    assert "prohibit you from making any other use or disclosure of this record" in text
    assert "page 1 of" in text


def test_group_note_pdf_has_the_group_part_and_only_this_patients_part(
    ctx: dict[str, Any], client: Client
) -> None:
    w, dana = ctx["w"], ctx["dana"]
    login(client, w.director_a)
    response = download(client, url(dana, "note", ctx["note"]))
    assert response["Content-Disposition"] == 'attachment; filename="note-2026-11-10.pdf"'
    text = text_of(response)
    common(text)
    assert "Group note of 2026-11-04" in text
    assert "The group mapped high-risk situations." in text
    assert "Dana spoke about her sister" in text and "Dana asked for a sponsor list" in text
    assert "Ezra" not in text and "Blackwood" not in text and "kept quiet" not in text
    assert "arrived late" not in text
    event = AuditEvent.objects.filter(action="print", patient_id_value=dana.pk).get()
    assert event.object_type == "delivery.note" and event.fields == ["note"]
    assert not Disclosure.objects.exists()


def test_the_other_attendees_copy_has_their_part_only(ctx: dict[str, Any], client: Client) -> None:
    login(client, ctx["w"].counselor_a1)
    text = text_of(download(client, url(ctx["ezra"], "note", ctx["note"])))
    assert "Ezra kept quiet" in text and "Ezra arrived late" in text
    assert "Dana" not in text and "Whitfield" not in text and "sister" not in text


def test_discharge_summary_pdf(ctx: dict[str, Any], client: Client) -> None:
    login(client, ctx["w"].director_a)
    text = text_of(download(client, url(ctx["dana"], "discharge", ctx["discharge"])))
    common(text)
    assert "Discharge summary of 2026-11-09" in text
    assert "Type of discharge: Completed the program" in text
    assert "Admitted: 2026-01-01" in text and "Discharged: 2026-11-09" in text
    assert "Completed all phases of the program." in text
    assert "Next provider: Dr. Okoro, outpatient" in text
    assert "Peer support groups: AA on Tuesdays" in text
    assert "Medications: Naltrexone 50 mg" in text
    assert "Crisis plan: Call her sponsor, then 988." in text
    assert "Days attended: 1" in text and "Sessions attended: 1" in text
    # Her own part of the signed group note, never the other attendee's.
    assert "2026-11-04: participation active; progress Dana spoke about her sister" in text
    assert "Ezra" not in text and "kept quiet" not in text


def test_plan_schedule_and_summary_pdfs(ctx: dict[str, Any], client: Client) -> None:
    login(client, ctx["w"].director_a)
    plan = text_of(download(client, url(ctx["dana"], "plan", ctx["plan"])))
    common(plan)
    assert "Treatment plan, version 1" in plan and "F10.20" in plan
    assert "Goal 1: Cope with cravings" in plan and "Objective: Objective 1" in plan
    week = text_of(download(client, url(ctx["ezra"], "schedule"), week="2026-11-05"))
    common(week, "Ezra Blackwood")
    assert "Weekly schedule, week of 2026-11-02" in week
    assert "Wed 2026-11-04 18:00-21:00 (America/New_York): SUD A1" in week
    assert "topic: Coping with cravings" in week and "Dana" not in week
    summary = text_of(download(client, url(ctx["dana"], "summary")))
    common(summary)
    assert "Chart summary of 2026-11-10" in summary
    assert "F10.20" in summary and "Cope with cravings" in summary
    assert "Attendance this month (November 2026) Days attended: 1" in summary
    assert "Open needs None open." in summary
    kinds = sorted(e.fields[0] for e in AuditEvent.objects.filter(action="print").order_by("seq"))
    assert kinds == ["plan", "schedule", "summary"]


def _denials(user: Any) -> int:
    return AuditEvent.objects.filter(action="denied", user_id_value=user.pk).count()


@pytest.mark.parametrize("kind", ["summary", "discharge", "note"])
def test_another_organizations_director_gets_404(
    ctx: dict[str, Any], client: Client, kind: str
) -> None:
    w, dana = ctx["w"], ctx["dana"]
    obj = {"summary": None, "discharge": ctx["discharge"], "note": ctx["note"]}[kind]
    login(client, w.director_b)
    response = download(client, url(dana, kind, obj))
    assert response.status_code == 404
    assert _denials(w.director_b) == 1
    assert "Whitfield" not in without_tokens(response.content)
    assert not AuditEvent.objects.filter(action="print").exists()


@pytest.mark.parametrize(
    ("role", "kind"),
    [("frontdesk_a1", "summary"), ("billing_a1", "plan"), ("billing_a1", "note")],
)
def test_a_role_without_the_read_action_gets_403(
    ctx: dict[str, Any], client: Client, role: str, kind: str
) -> None:
    w, dana = ctx["w"], ctx["dana"]
    user = getattr(w, role)
    assert dana.site_id == w.site_a1.pk  # in the user's site: refused by role, not scope
    obj = {"summary": None, "plan": ctx["plan"], "note": ctx["note"]}[kind]
    login(client, user)
    response = download(client, url(dana, kind, obj))
    assert response.status_code == 403
    assert _denials(user) == 1
    assert "Whitfield" not in without_tokens(response.content)
    assert not AuditEvent.objects.filter(action="print").exists()


def test_a_draft_note_is_not_printed(ctx: dict[str, Any], client: Client) -> None:
    w = ctx["w"]
    session = group_session(track=w.track_a1, counselor=w.counselor_a1, day=date(2026, 11, 5))
    assign(session, ctx["ezra"])
    delivery_services.attendance_check_in(
        actor=w.counselor_a1,
        session=session,
        patient=ctx["ezra"],
        at=datetime.combine(date(2026, 11, 5), time(18), tzinfo=NY),
    )
    draft = delivery_services.group_note_save(
        actor=w.counselor_a1,
        session=session,
        content=GROUP,
        sections={ctx["ezra"].pk: section("draft words")},
    )
    login(client, w.director_a)
    response = download(client, url(ctx["ezra"], "note", draft))
    assert response.status_code == 409
    assert b"only signed notes can be printed" in response.content
    assert Note.objects.get(pk=draft.pk).signed_at is None


def test_bad_input_is_404_or_422_never_500(ctx: dict[str, Any], client: Client) -> None:
    dana = ctx["dana"]
    login(client, ctx["w"].director_a)
    base = f"/records/patients/{dana.pk}/"
    assert client.post(base + "letters/", {"use": "inside"}).status_code == 404
    assert _denials(ctx["w"].director_a) == 1  # an unknown kind is an audited 404
    assert client.get(base + "note/").status_code == 404  # a note needs its id
    assert client.get(base + "summary/5/").status_code == 404
    assert client.get(base + "note/99999999999999999999999/").status_code == 404
    assert client.get("/records/patients/99999999999999999999999/summary/").status_code == 404
    assert client.get(base + f"note/{ctx['note'].pk}/").status_code == 200
    assert client.post(base + "schedule/", {"use": "inside", "week": "soon"}).status_code == 422
    assert (
        client.post(base + "schedule/", {"use": "inside", "week": "9999-12-31"}).status_code == 422
    )
    assert client.post(base + "summary/", {"use": "elsewhere"}).status_code == 422
    response = client.post(base + "summary/", {"use": "outside"})
    # No consent in effect: forcing the outside use is refused with the reason.
    assert response.status_code == 422
    assert b"No written consent in effect names someone outside the program" in response.content
    assert not AuditEvent.objects.filter(action="print").exists()


def consent(patient: Any, staff: Any, data: list[str], **kw: Any) -> Consent:
    fields: dict[str, Any] = {
        "organization": patient.organization,
        "patient": patient,
        "kind": "named",
        "disclosing_party": "Evening IOP A1",
        "recipient_kind": "court",
        "recipient_name": "County Drug Court",
        "purpose": "legal",
        "data": data,
        "expires_on": date(2027, 6, 30),
        "signer_name": "Dana Whitfield",
        "signed_on": date(2026, 11, 1),
        "signature_method": "paper",
        "recorded_by": staff,
        "recorded_at": datetime(2026, 11, 1, 10, 0, tzinfo=NY),
    }
    fields.update(kw)
    return Consent.objects.create(**fields)


def test_outside_use_without_a_covering_consent_is_refused_with_the_reason(
    ctx: dict[str, Any], client: Client
) -> None:
    w, dana = ctx["w"], ctx["dana"]
    c = consent(dana, w.counselor_a1, ["attendance"])
    login(client, w.director_a)
    response = client.post(
        url(dana, "discharge", ctx["discharge"]),
        {"use": "outside", "consent": c.pk, "purpose": "legal"},
    )
    assert response.status_code == 422
    assert b"The copy was not released:" in response.content
    assert not Disclosure.objects.exists()
    assert (
        AuditEvent.objects.filter(
            action="denied", object_type="privacy.disclosure", patient_id_value=dana.pk
        ).count()
        == 1
    )
    assert not AuditEvent.objects.filter(action="print").exists()


def test_outside_use_under_a_covering_consent_records_a_disclosure(
    ctx: dict[str, Any], client: Client
) -> None:
    w, dana = ctx["w"], ctx["dana"]
    c = consent(dana, w.counselor_a1, ["demographics", "discharge", "attendance", "screenings"])
    login(client, w.director_a)
    text = text_of(
        client.post(
            url(dana, "discharge", ctx["discharge"]),
            {"use": "outside", "consent": c.pk, "purpose": "legal"},
        )
    )
    common(text)
    assert "Released to: County Drug Court" in text
    assert (
        "Disclosed under the written consent signed by Dana Whitfield on 01 November 2026" in text
    )
    # Her part of the group notes stays inside: counseling notes need a consent of their own.
    assert "sister" not in text and "Left out of a copy for someone outside" in text
    row = Disclosure.objects.get()
    assert (row.patient_id, row.consent_id, row.channel) == (dana.pk, c.pk, "letter")
    assert row.object_type == "care.discharge" and row.object_id == str(ctx["discharge"].pk)
    assert sorted(row.data) == ["attendance", "demographics", "discharge", "screenings"]
    assert AuditEvent.objects.filter(action="disclose", patient_id_value=dana.pk).count() == 1


def test_the_list_of_printable_records_reads_a_constant_number_of_queries(
    ctx: dict[str, Any], client: Client
) -> None:
    w, dana = ctx["w"], ctx["dana"]
    login(client, w.director_a)
    path = reverse("records:index", args=[dana.pk])
    client.get(path)
    with CaptureQueriesContext(connection) as one_note:
        assert client.get(path).status_code == 200
    other = Note.objects.get(pk=ctx["note"].pk)
    other.pk = None
    other.session = None
    other.kind, other.format, other.patient = "individual", "dap", dana
    other.save()
    with CaptureQueriesContext(connection) as two_notes:
        page = client.get(path).content.decode()
    assert url(dana, "note", other) in page
    assert len(two_notes.captured_queries) == len(one_note.captured_queries)


def test_links_on_the_chart_pages(ctx: dict[str, Any], client: Client) -> None:
    w, dana = ctx["w"], ctx["dana"]
    login(client, w.director_a)
    chart = client.get(reverse("patients:chart", args=[dana.pk])).content.decode()
    assert url(dana, "summary") in chart and reverse("records:index", args=[dana.pk]) in chart
    index = client.get(reverse("records:index", args=[dana.pk])).content.decode()
    assert url(dana, "discharge", ctx["discharge"]) in index
    assert url(dana, "plan", ctx["plan"]) in index and url(dana, "note", ctx["note"]) in index
    note_page = client.get(reverse("delivery:note", args=[ctx["note"].pk])).content.decode()
    assert url(dana, "note", ctx["note"]) in note_page
    discharges = client.get(reverse("care:follow_ups", args=[dana.pk])).content.decode()
    assert url(dana, "discharge", ctx["discharge"]) in discharges
    login(client, w.frontdesk_a1)
    chart = client.get(reverse("patients:chart", args=[w.patient_a1.pk])).content.decode()
    assert url(w.patient_a1, "summary") not in chart


def test_an_attendance_only_consent_releases_the_schedule_without_the_date_of_birth(
    ctx: dict[str, Any], client: Client
) -> None:
    w, ezra = ctx["w"], ctx["ezra"]
    c = consent(
        ezra,
        w.counselor_a1,
        ["attendance"],
        recipient_kind="employer",
        recipient_name="Northside Logistics",
        purpose="employment",
        signer_name="Ezra Blackwood",
    )
    login(client, w.director_a)
    text = text_of(
        client.post(
            url(ezra, "schedule"),
            {"use": "outside", "consent": c.pk, "purpose": "employment", "week": "2026-11-05"},
        )
    )
    assert "Released to: Northside Logistics" in text and "SUD A1" in text
    assert "Patient: Ezra Blackwood - record number" in text and "date of birth" not in text
    row = Disclosure.objects.get()
    assert row.data == ["attendance"] and row.consent_id == c.pk


def test_without_a_consent_only_the_inside_use_is_offered_with_the_reason_on_top(
    ctx: dict[str, Any], client: Client
) -> None:
    w, dana = ctx["w"], ctx["dana"]
    login(client, w.director_a)
    page = client.get(url(dana, "summary")).content.decode()
    assert 'value="outside"' not in page and 'value="inside"' in page
    assert "For someone outside the program" not in page
    reason = page.index("No written consent in effect names someone outside the program")
    assert reason < page.index("What the copy is for")
    assert "Record a consent first." in page
    assert reverse("privacy:consents", args=[dana.pk]) in page
    # With a consent in effect the outside use is offered again.
    consent(dana, w.counselor_a1, ["demographics", "discharge"])
    page = client.get(url(dana, "summary")).content.decode()
    assert 'value="outside"' in page and "No written consent in effect" not in page
    response = client.post(url(dana, "summary"), {"use": "outside"})
    assert response.status_code == 422 and b"Choose who receives the copy." in response.content


def test_the_chart_link_row_and_date_cells_in_print(ctx: dict[str, Any], client: Client) -> None:
    """The link row of the chart is hidden in print; dates do not break across lines."""
    import re
    from pathlib import Path

    import openiop.core

    login(client, ctx["w"].director_a)
    chart = client.get(reverse("patients:chart", args=[ctx["dana"].pk])).content.decode()
    row = re.search(r'<span class="no-print chart-links">(.*?)</span></p>', chart, re.S)
    assert row is not None
    assert "Consents and disclosures" in row.group(1) and "Chart summary (PDF)" in row.group(1)
    assert "42 CFR part 2 prohibits" in chart  # the notice itself still prints
    css = (Path(openiop.core.__file__).parent / "static/core/print.css").read_text()
    assert ".no-print" in css
    assert "td.date, th.date, td.nowrap, th.nowrap, td time, .nowrap { white-space: nowrap" in css
