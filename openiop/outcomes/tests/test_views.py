"""The outcomes dashboard's pages: the figures as cards with charts (administrator and
clinical director), the patients behind a figure and their CSV (clinical director only),
refusals, bad filters, and a constant number of queries."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from openiop.accounts.models import User
from openiop.core.models import AuditEvent
from openiop.core.testing import EnrollmentFactory, PatientFactory, World, login, without_tokens
from openiop.domain.outcomes import charts
from openiop.domain.outcomes.facts import Dashboard, Figure, Point
from openiop.intake.models import Admission
from openiop.outcomes import selectors
from openiop.patients.models import Patient

pytestmark = pytest.mark.django_db

URL = "/outcomes/"
D = date


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel("2026-12-07T15:00:00+00:00", tick=False) as t:
        yield t


def _fake(world: World, calls: list[dict[str, Any]] | None = None) -> Any:
    """A dashboard with known figures: a share (A1 of A1 and A2), a count and a figure
    with no data."""
    a1, a2 = world.patient_a1.pk, world.patient_a2.pk

    def dashboard(org_id: int, **kwargs: Any) -> Dashboard:
        if calls is not None:
            calls.append({"org_id": org_id, **kwargs})
        return Dashboard(
            start=kwargs["start"],
            end=kwargs["end"],
            as_of=kwargs["as_of"],
            figures=(
                Figure(
                    key="retention_30",
                    title="Still in treatment at day 30",
                    unit="share",
                    value=0.5,
                    definition="Patients admitted in the period still in treatment 30 days on.",
                    numerator=1,
                    denominator=2,
                    members=(a1,),
                    denominator_members=(a1, a2),
                    series=(
                        Point("2026-10", 1.0, 1, 1),
                        Point("2026-11", 0.0, 0, 1),
                        Point("2026-12", None, 0, 0),
                    ),
                    source="Program policy",
                ),
                Figure(
                    key="admissions",
                    title="Admissions",
                    unit="count",
                    value=2,
                    definition="Admissions that started in the period.",
                    members=(a1, a2),
                    series=(Point("Completed the program", 3), Point("Left early", None)),
                ),
                Figure(
                    key="length_of_stay",
                    title="Length of stay",
                    unit="days",
                    value=None,
                    definition="Median days from admission to discharge.",
                ),
            ),
        )

    return dashboard


@pytest.fixture
def fake(world: World, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(selectors, "dashboard", _fake(world, calls))
    return calls


def _admit(patient: Patient, world: World, on: date) -> Admission:
    enrollment = EnrollmentFactory.create(
        patient=patient, track=world.track_a1, starts_on=on, required_weekly_hours=Decimal("9")
    )
    admission = Admission.objects.create(
        patient=patient,
        program=world.program_a1,
        primary_counselor=world.counselor_a1,
        starts_on=on,
        admitted_by=world.director_a,
        admitted_at=datetime(on.year, on.month, on.day, 15, tzinfo=UTC),
    )
    admission.enrollments.add(enrollment)
    return admission


def test_url_names() -> None:
    from django.urls import reverse

    assert reverse("outcomes:dashboard") == URL
    assert reverse("outcomes:patients", args=["census"]) == "/outcomes/census/patients/"
    assert reverse("outcomes:patients_csv", args=["census"]) == "/outcomes/census/patients.csv"


# The chart geometry and the words of the values (pure).


def test_values_read_as_percent_days_counts_and_no_data() -> None:
    assert charts.value_text("share", 0.6412) == "64%"
    assert charts.value_text("share", None) == "no data"
    assert charts.value_text("days", 12.04) == "12 days"
    assert charts.value_text("days", 1) == "1 day"
    assert charts.value_text("days", 3.25) == "3.2 days"
    assert charts.value_text("count", 1234) == "1,234"
    assert charts.value_text("count", 0) == "0"
    assert charts.share_detail(9, 20) == "9 of 20"
    assert charts.share_detail(None, 20) == ""


def test_default_period_is_the_six_whole_months_before_this_one() -> None:
    assert charts.default_period(D(2026, 12, 7)) == (D(2026, 6, 1), D(2026, 11, 30))
    assert charts.default_period(D(2027, 3, 1)) == (D(2026, 9, 1), D(2027, 2, 28))
    assert charts.default_period(D(2028, 2, 29)) == (D(2027, 8, 1), D(2028, 1, 31))


def test_monthly_series_are_columns_scaled_to_100_percent() -> None:
    figure = Figure(
        "f",
        "F",
        "share",
        0.5,
        "d",
        series=(Point("2026-10", 1.0, 2, 2), Point("2026-11", 0.5, 1, 2), Point("2026-12", None)),
    )
    chart = charts.build_chart(figure)
    assert chart.shape == "columns"
    full, half, none = chart.bars
    assert (full.label, full.tick, full.text, full.detail) == (
        "October 2026",
        "Oct",
        "100%",
        "2 of 2",
    )
    assert full.y == chart.plot_top and full.height == chart.plot_bottom - chart.plot_top
    assert half.height == pytest.approx(full.height / 2, abs=0.1)
    assert (none.has_value, none.text, none.height) == (False, "no data", 0)
    assert [g.label for g in chart.grid] == ["0%", "50%", "100%"]
    assert chart.summary == (
        "F: October 2026 100% (2 of 2); November 2026 50% (1 of 2); December 2026 no data."
    )


def test_categories_are_rows_and_counts_get_a_round_axis() -> None:
    figure = Figure("f", "F", "count", 7, "d", series=(Point("Completed", 7), Point("Other", 3)))
    chart = charts.build_chart(figure)
    assert chart.shape == "rows"
    assert charts.nice_ceiling(7) == 8 and charts.nice_ceiling(11) == 12
    assert charts.nice_ceiling(0.45) == 0.5 and charts.nice_ceiling(1) == 1
    assert [g.label for g in chart.grid] == ["0", "4", "8"]
    seven, three = chart.bars
    assert seven.width == pytest.approx(7 / 8 * (chart.plot_right - chart.plot_left), abs=0.1)
    assert three.y > seven.y and chart.height == 6 + 8 + 2 * 40


def test_counts_charted_in_a_share_figure_are_drawn_as_their_share_of_the_total() -> None:
    # How episodes ended: 7 completions and 1 administrative discharge of 20, none left early.
    figure = Figure(
        "completion",
        "Completed the program",
        "share",
        0.35,
        "d",
        series=(
            Point("Completed the program", 7.0, 7, 20),
            Point("Administrative discharge", 1.0, 1, 20),
            Point("Left against clinical advice", 0.0, 0, 20),
        ),
    )
    chart = charts.build_chart(figure)
    assert [(b.text, b.detail) for b in chart.bars] == [
        ("35%", "7 of 20"),
        ("5%", "1 of 20"),
        ("0%", "0 of 20"),
    ]
    # A share whose total is zero has no data.
    empty = Figure("f", "F", "share", None, "d", series=(Point("day 30", None, 0, 0),))
    assert [b.text for b in charts.build_chart(empty).bars] == ["no data"]


def test_lengths_of_stay_by_range_are_counts_of_episodes() -> None:
    figure = Figure(
        "length_of_stay",
        "Length of stay",
        "days",
        42.0,
        "d",
        series=(Point("0-30 days", 3.0), Point("31-60 days", 1.0)),
    )
    chart = charts.build_chart(figure)
    assert (chart.unit, [b.text for b in chart.bars]) == ("count", ["3", "1"])
    monthly = Figure("d", "D", "days", 4.0, "d", series=(Point("2026-11", 4.0),))
    assert [b.text for b in charts.build_chart(monthly).bars] == ["4 days"]


# The dashboard page.


def test_director_sees_every_figure_as_a_card_with_its_chart(
    client: Client, world: World, fake: list[dict[str, Any]]
) -> None:
    response = login(client, world.director_a).get(URL)
    assert response.status_code == 200
    assert fake == [
        {
            "org_id": world.org_a.pk,
            "start": D(2026, 6, 1),
            "end": D(2026, 11, 30),
            "as_of": D(2026, 12, 7),
            "program_id": None,
            "track_id": None,
            "site_id": None,
        }
    ]
    body = without_tokens(response.content)
    assert 'id="figure-retention_30"' in body
    assert "50%" in body and "1 of 2" in body
    assert "Patients admitted in the period still in treatment 30 days on." in body
    assert "Source: Program policy" in body
    assert '<svg class="bars columns"' in body and '<svg class="bars rows"' in body
    assert (
        '<desc id="d-retention_30">Still in treatment at day 30: October 2026 100% (1 of 1)' in body
    )
    assert 'class="sr-only"' in body  # the charts' tables for screen readers
    # No data is said, never shown as 0.
    assert 'class="figure-n no-data">no data<' in body
    assert 'href="/outcomes/retention_30/patients/?from=2026-06-01&amp;to=2026-11-30"' in body
    assert "outcomes/outcomes.css" in body and "core/print.css" in body
    assert 'href="/outcomes/">Outcomes</a>' in body  # in the main navigation
    for name in ("Alma", "Quintero", "Bruno", "Okafor", "0000001"):
        assert name not in body
    event = AuditEvent.objects.filter(action="query", object_type="outcomes.dashboard").get()
    assert event.username == "director_a" and "2026-06-01 to 2026-11-30" in event.detail
    assert not event.part2


def test_administrator_sees_the_figures_but_not_the_patient_links(
    client: Client, world: World, fake: list[dict[str, Any]]
) -> None:
    params = {"from": "2026-01-01", "to": "2026-03-31", "program": str(world.program_a1.pk)}
    response = login(client, world.admin_a).get(URL, params)
    assert response.status_code == 200
    assert fake[0]["program_id"] == world.program_a1.pk
    assert (fake[0]["start"], fake[0]["end"]) == (D(2026, 1, 1), D(2026, 3, 31))
    body = without_tokens(response.content)
    assert "Still in treatment at day 30" in body
    assert "/outcomes/retention_30/patients/" not in body
    assert "Patients behind this figure" not in body


def test_filters_by_track_and_site(
    client: Client, world: World, fake: list[dict[str, Any]]
) -> None:
    login(client, world.director_a)
    response = client.get(URL, {"track": world.track_a1.pk, "site": world.site_a1.pk})
    assert response.status_code == 200
    assert (fake[0]["track_id"], fake[0]["site_id"]) == (world.track_a1.pk, world.site_a1.pk)
    link = f"program=&track={world.track_a1.pk}"
    assert f"track={world.track_a1.pk}&amp;site={world.site_a1.pk}" in response.content.decode()
    assert link not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-06-01", "to": "2026-05-01"}, "to"),
        ({"from": "1990-01-01", "to": "2026-05-01"}, "from"),
        # Dates at the calendar's ends (the monthly columns and day shifts would overflow).
        ({"from": "9999-12-01"}, "from"),
        ({"to": "0001-01-01"}, "to"),
        ({"from": "0001-01-01", "to": "0001-02-01"}, "from"),
        ({"program": "999999999"}, "program"),
        ({"site": "abc"}, "site"),
    ],
)
def test_bad_filters_are_422_with_a_field_error(
    client: Client, world: World, fake: list[dict[str, Any]], params: dict[str, str], field: str
) -> None:
    response = login(client, world.director_a).get(URL, params)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert "board" not in response.context and fake == []
    assert not AuditEvent.objects.filter(object_type="outcomes.dashboard").exists()


def test_another_organizations_program_track_or_site_is_a_field_error(
    client: Client, world: World, fake: list[dict[str, Any]]
) -> None:
    from openiop.core.testing import TrackFactory

    track_b = TrackFactory.create(program=world.program_b1, name="SUD B1")
    login(client, world.director_a)
    for name, pk in (
        ("program", world.program_b1.pk),
        ("track", track_b.pk),
        ("site", world.site_b1.pk),
    ):
        response = client.get(URL, {name: pk})
        assert response.status_code == 422
        assert name in response.context["form"].errors
        assert "B1" not in without_tokens(response.content).replace("A1", "")
    # A track of another program than the one chosen.
    response = client.get(URL, {"program": world.program_a2.pk, "track": world.track_a1.pk})
    assert response.status_code == 422 and "track" in response.context["form"].errors
    assert fake == []


@pytest.mark.parametrize("who", ["counselor_a1", "billing_a1", "frontdesk_a1", "peer_a1"])
def test_roles_without_the_dashboard_are_refused_and_audited(
    client: Client, world: World, fake: list[dict[str, Any]], who: str
) -> None:
    user: User = getattr(world, who)
    response = login(client, user).get(URL)
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="denied", username=user.username).count() == 1
    assert "Still in treatment" not in response.content.decode() and fake == []


# The patients behind a figure.


def test_director_lists_the_counted_patients_and_the_others_of_a_share(
    client: Client, world: World, fake: list[dict[str, Any]]
) -> None:
    _admit(world.patient_a1, world, D(2026, 10, 5))
    response = login(client, world.director_a).get(
        "/outcomes/retention_30/patients/", {"from": "2026-10-01", "to": "2026-11-30"}
    )
    assert response.status_code == 200
    assert [r.id for r in response.context["counted"]] == [world.patient_a1.pk]
    assert [r.id for r in response.context["others"]] == [world.patient_a2.pk]
    body = without_tokens(response.content)
    assert "Patients admitted in the period still in treatment 30 days on." in body
    assert f'href="/patients/{world.patient_a1.pk}/">Quintero, Alma</a>' in body
    assert f'href="/patients/{world.patient_a2.pk}/">Okafor, Bruno</a>' in body
    assert "2026-10-05" in body  # A1's admission
    assert "Counted in the figure (1)" in body and "Also in the total, not counted (1)" in body
    assert "Cora" not in body  # organization B
    assert 'href="/outcomes/retention_30/patients.csv?from=2026-10-01&amp;to=2026-11-30"' in body
    event = AuditEvent.objects.filter(action="query", object_type="patients.patient").get()
    assert event.username == "director_a" and event.part2
    assert f"2 patients; ids: {world.patient_a1.pk},{world.patient_a2.pk}" in event.detail
    assert "retention_30 2026-10-01 to 2026-11-30" in event.detail


def test_a_count_lists_its_patients_without_a_second_table(
    client: Client, world: World, fake: list[dict[str, Any]]
) -> None:
    response = login(client, world.director_a).get("/outcomes/admissions/patients/")
    assert response.status_code == 200
    assert [r.id for r in response.context["counted"]] == [
        world.patient_a2.pk,  # by name: Okafor before Quintero
        world.patient_a1.pk,
    ]
    assert "Also in the total, not counted" not in response.content.decode()


def test_unknown_figure_is_404(client: Client, world: World, fake: list[dict[str, Any]]) -> None:
    login(client, world.director_a)
    assert client.get("/outcomes/nonsense/patients/").status_code == 404
    assert client.get("/outcomes/nonsense/patients.csv").status_code == 404
    denied = AuditEvent.objects.filter(action="denied", object_type="outcomes.figure")
    assert [(e.username, e.object_id) for e in denied] == [("director_a", "nonsense")] * 2
    assert not AuditEvent.objects.filter(object_type="patients.patient", action="query").exists()


def test_the_csv_has_the_columns_and_one_row_per_patient(
    client: Client, world: World, fake: list[dict[str, Any]]
) -> None:
    world.patient_a2.last_name = "=HYPERLINK(1)"
    world.patient_a2.save()
    _admit(world.patient_a1, world, D(2026, 10, 5))
    response = login(client, world.director_a).get(
        "/outcomes/retention_30/patients.csv", {"from": "2026-10-01", "to": "2026-11-30"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="outcomes-retention_30-2026-10-01-2026-11-30.csv"'
    )
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        [
            "Record number",
            "Name",
            "Program",
            "Admitted",
            "Ended",
            "How it ended",
            "Counted in the figure",
        ],
        ["0000001", "Quintero, Alma", "Evening IOP A1", "2026-10-05", "", "", "yes"],
        ["0000002", "'=HYPERLINK(1), Bruno", "Evening IOP A2", "", "", "", "no"],
    ]
    event = AuditEvent.objects.filter(action="export", object_type="patients.patient").get()
    assert event.username == "director_a" and event.part2
    assert f"ids: {world.patient_a1.pk},{world.patient_a2.pk}" in event.detail


@pytest.mark.parametrize("suffix", ["patients/", "patients.csv"])
@pytest.mark.parametrize("who", ["admin_a", "counselor_a1"])
def test_roles_without_the_patient_list_are_refused_once_and_see_no_name(
    client: Client, world: World, fake: list[dict[str, Any]], who: str, suffix: str
) -> None:
    user: User = getattr(world, who)
    response = login(client, user).get(f"/outcomes/retention_30/{suffix}")
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="denied", username=user.username).count() == 1
    assert not AuditEvent.objects.filter(action__in=["query", "export"]).exists()
    body = without_tokens(response.content)
    for name in ("Alma", "Quintero", "Bruno", "Okafor", "0000001"):
        assert name not in body
    assert fake == []


@pytest.mark.parametrize("suffix", ["patients/", "patients.csv"])
def test_another_organizations_director_sees_only_their_own_patients(
    client: Client, world: World, fake: list[dict[str, Any]], suffix: str
) -> None:
    # The figures are computed for the director's own organization; ids of another one
    # that found their way into a figure are never listed.
    response = login(client, world.director_b).get(f"/outcomes/retention_30/{suffix}")
    assert response.status_code == 200
    assert fake[0]["org_id"] == world.org_b.pk
    content = (
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
        if suffix.endswith("csv")
        else response.content
    )
    body = without_tokens(content)
    for name in ("Alma", "Quintero", "Bruno", "Okafor", "0000001"):
        assert name not in body


def test_bad_filters_on_the_list_are_422(
    client: Client, world: World, fake: list[dict[str, Any]]
) -> None:
    login(client, world.director_a)
    for suffix in ("patients/", "patients.csv"):
        response = client.get(f"/outcomes/retention_30/{suffix}", {"program": world.program_b1.pk})
        assert response.status_code == 422
        assert "program" in response.context["form"].errors
    assert fake == []
    assert not AuditEvent.objects.filter(object_type="patients.patient").exists()


# Constant queries, with the real figures.


def _patients(world: World, n: int) -> None:
    for i in range(n):
        patient = PatientFactory.create(site=world.site_a1, program=world.program_a1)
        _admit(patient, world, D(2026, 7, 1 + i))


@pytest.mark.parametrize("suffix", ["", "census/patients/", "admissions/patients.csv"])
def test_queries_do_not_grow_with_the_patients(
    client: Client, world: World, django_assert_num_queries: Any, suffix: str
) -> None:
    login(client, world.director_a)
    url = URL + suffix
    params = {"from": "2026-06-01", "to": "2026-11-30"}

    def get() -> Any:
        response = client.get(url, params)
        if suffix.endswith(".csv"):
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
        return response

    _patients(world, 2)
    get()  # the first request of a session reads more (session, device)
    with CaptureQueriesContext(connection) as small:
        assert get().status_code == 200
    _patients(world, 8)
    with django_assert_num_queries(len(small)):
        response = get()
    if suffix == "":
        assert response.context["board"].figure("admissions").value == 10
    elif suffix.startswith("census"):
        assert len(response.context["counted"]) == 10


def _stays(world: World) -> Any:
    """Completion over three stays of two patients: A1 completed one stay and left the other
    early, A2 completed; plus hours attended and referrals without a patient."""
    a1, a2 = world.patient_a1.pk, world.patient_a2.pk

    def dashboard(org_id: int, **kwargs: Any) -> Dashboard:
        return Dashboard(
            start=kwargs["start"],
            end=kwargs["end"],
            as_of=kwargs["as_of"],
            figures=(
                Figure(
                    key="completion",
                    title="Completed the program",
                    unit="share",
                    value=0.6667,
                    definition="Episodes that ended with the program completed.",
                    numerator=2,
                    denominator=3,
                    members=(a1, a2),
                    denominator_members=(a1, a2),
                    series=(Point("2026-10", 0.6667, 2, 3),),
                    items="treatment stays",
                    mixed_members=(a1,),
                ),
                Figure(
                    key="attendance_rate",
                    title="Required hours attended",
                    unit="share",
                    value=0.8778,
                    definition="Hours attended out of hours required.",
                    numerator=8005,
                    denominator=9120,
                    members=(a1,),
                    denominator_members=(a1,),
                    series=(Point("2026-10", 0.8778, 8005, 9120),),
                    items="hours",
                ),
                Figure(
                    key="referrals_converted",
                    title="Referrals admitted",
                    unit="share",
                    value=0.25,
                    definition="Referrals that led to an admission.",
                    numerator=1,
                    denominator=4,
                    members=(a1,),
                    denominator_members=(a1, a2),
                    items="referrals",
                    not_listed=2,
                ),
            ),
        )

    return dashboard


def test_a_list_of_patients_says_how_many_stays_the_figure_counts(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "dashboard", _stays(world))
    login(client, world.director_a)
    response = client.get("/outcomes/completion/patients/")
    assert response.status_code == 200
    body = without_tokens(response.content)
    assert (
        "The figure counts 3 treatment stays; they are 2 patients (a patient with several "
        "treatment stays is listed once)." in body
    )
    assert "1 patient counted for one treatment stay and not for another is listed" in body
    assert [r.id for r in response.context["counted"]] == [world.patient_a2.pk, world.patient_a1.pk]
    assert body.count("(also not counted for another stay)") == 1
    response = client.get("/outcomes/referrals_converted/patients/")
    body = without_tokens(response.content)
    assert "2 referrals were not admitted (not listed: no patient record)." in body
    assert "The figure counts 4 referrals; they are 2 patients" in body


def test_hours_attended_reads_in_hours(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "dashboard", _stays(world))
    body = without_tokens(login(client, world.director_a).get(URL).content)
    assert '<span class="muted">8,005 of 9,120 hours</span>' in body
    assert '<th scope="col">Hours</th>' in body
    assert '<th scope="col">Treatment stays</th>' in body
    assert '<th scope="col">Patients</th>' not in body
    response = client.get("/outcomes/attendance_rate/patients/")
    assert "The figure counts" not in without_tokens(response.content)


def test_a_period_after_today_is_refused_or_cut_at_today(
    client: Client, world: World, fake: list[dict[str, Any]]
) -> None:
    login(client, world.director_a)
    response = client.get(URL, {"from": "2026-12-08"})
    assert response.status_code == 422 and "from" in response.context["form"].errors
    assert fake == []
    response = client.get(URL, {"from": "2026-11-01", "to": "2027-06-30"})
    assert response.status_code == 200
    assert (fake[0]["start"], fake[0]["end"]) == (D(2026, 11, 1), D(2026, 12, 7))
    body = without_tokens(response.content)
    assert "The period ends today; later days have no data yet." in body
    # The inputs show the period shown.
    assert 'value="2026-12-07"' in body and 'value="2027-06-30"' not in body
    response = client.get("/outcomes/retention_30/patients/", {"to": "2027-01-31"})
    assert "The period ends today; later days have no data yet." in without_tokens(response.content)


def test_the_inputs_show_the_default_period_and_tracks_name_their_site(
    client: Client, world: World, fake: list[dict[str, Any]]
) -> None:
    body = without_tokens(login(client, world.director_a).get(URL).content)
    assert 'name="from" value="2026-06-01"' in body and 'name="to" value="2026-11-30"' in body
    assert "The period ends today" not in body
    track = world.track_a1
    assert f">{track.name} ({track.program.name}, {track.program.site.name})</option>" in body


def test_a_long_list_is_audited_with_whole_ids_and_how_many_more(world: World) -> None:
    from django.test import RequestFactory

    from openiop.outcomes import views

    rows = [
        views.Listed(selectors.PatientRow(100000 + i, "", "", "", None, None, ""), True)
        for i in range(100)
    ]
    sel = views.Selection(D(2026, 6, 1), D(2026, 11, 30), D(2026, 12, 7), None, None, None, "")
    request = RequestFactory().get("/outcomes/census/patients/")
    views._audit_list(request, world.director_a, "query", "outcomes patients of census", sel, rows)
    detail = AuditEvent.objects.get(object_type="patients.patient").detail
    head = "outcomes patients of census 2026-06-01 to 2026-11-30; 100 patients; ids: "
    assert detail.startswith(head + "100000,100001,") and len(detail) <= 500
    shown = detail[len(head) :].split(",")
    assert shown[-1] == f"and {100 - (len(shown) - 1)} more"
    assert shown[:-1] == [str(100000 + i) for i in range(len(shown) - 1)]
