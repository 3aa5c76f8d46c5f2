"""Facility CSV import: validation with reasons, duplicates, unknown codes, re-import, a crash
that keeps the previous data, the command (exit 2 on a malformed file) and the upload page."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from openiop.core.models import AuditEvent
from openiop.core.testing import World, login
from openiop.locator import codes, importer, services
from openiop.locator.codes import CareType, Payment, Population
from openiop.locator.models import Facility, FacilitySource, ImportRun
from openiop.locator.tests.factories import HEADER, FacilityFactory, csv_bytes, row

pytestmark = pytest.mark.django_db


def _import(world: World, data: bytes, name: str = "facilities.csv") -> ImportRun:
    return services.facility_import_csv(
        actor=world.admin_a, organization=world.org_a, data=data, file_name=name
    )


def test_good_rows_are_imported_with_their_service_codes_decoded(world: World) -> None:
    run = _import(world, csv_bytes(row(services="SA OIT CHLD ADLT MD SS TELE SP F67")))
    assert (run.rows, run.created, run.updated, run.rejected) == (1, 1, 0, 0)
    facility = Facility.objects.get(external_id="f-1")
    assert facility.source == FacilitySource.IMPORT and facility.organization == world.org_a
    assert CareType.keys_in(facility.care_types) == ["intensive_outpatient"]
    assert Population.keys_in(facility.populations) == ["adolescents", "adults"]
    assert Payment.keys_in(facility.payments) == ["medicaid", "sliding_fee"]
    assert facility.telehealth and facility.evenings and not facility.weekends
    assert facility.language_keys == ["english", "portuguese", "spanish"]
    assert facility.openings == 4 and facility.accepting_new_patients is True
    # no coordinates given: the ZIP centroid of 01608
    assert (round(facility.latitude, 3), round(facility.longitude, 3)) == (42.262, -71.8)
    assert AuditEvent.objects.filter(object_type="locator.importrun", action="add").exists()


def test_malformed_rows_are_rejected_with_row_column_and_reason_and_the_rest_imported(
    world: World,
) -> None:
    data = csv_bytes(
        row("ok-1"),
        row("bad-zip", zip_code="0160"),
        row("bad-state", state="Mass"),
        row("", name=""),
        row("bad-coords", latitude="91", longitude="-71.8"),
        row("half-coords", latitude="42.1"),
        row("bad-yes", accepting="maybe", openings="-3"),
        row("bad-web", website="beacon.example.org", phone="12"),
        row("bad-date", last_updated="15/01/2026"),
        row("ok-2", zip_code="02139-4307"),
        "short,row,only",
    )
    run = _import(world, data)
    assert run.rows == 11 and run.created == 2 and run.rejected == 9
    found = {(e["row"], e["column"]) for e in run.errors}
    assert {
        (3, "zip"),
        (4, "state"),
        (5, "facility_id"),
        (5, "name"),
        (6, "latitude"),
        (7, "longitude"),
        (8, "accepting_new_patients"),
        (8, "openings"),
        (9, "website"),
        (9, "phone"),
        (10, "last_updated"),
        (12, "*"),
    } <= found
    assert set(Facility.objects.values_list("external_id", flat=True)) == {"ok-1", "ok-2"}
    message = next(e["message"] for e in run.errors if e["row"] == 3)
    assert "0160" in message and "ZIP" in message


def test_duplicate_ids_within_a_file_keep_the_first_row_and_reject_the_others(
    world: World,
) -> None:
    run = _import(world, csv_bytes(row("dup", name="First"), row("dup", name="Second")))
    assert run.created == 1 and run.rejected == 1
    assert Facility.objects.get(external_id="dup").name == "First"
    assert run.errors[0]["row"] == 3 and "row 2" in run.errors[0]["message"]


def test_unknown_service_codes_reject_the_row_and_real_unused_codes_are_ignored(
    world: World,
) -> None:
    run = _import(
        world,
        csv_bytes(
            row("a", services="SA OIT XYZ ADOL"),
            row("b", services="SA OIT CBT PVTN MI"),  # known N-SUMHSS codes we do not search by
            row("c", services="SA MD"),  # no care type at all
            row("d", services=""),
        ),
    )
    assert run.created == 1 and run.rejected == 3
    messages = {e["row"]: e["message"] for e in run.errors}
    assert "XYZ" in messages[2] and "ADOL" in messages[2]
    assert "care type" in messages[4]
    assert "required" in messages[5]
    assert Facility.objects.filter(external_id="b").exists()


def test_reimport_updates_by_facility_id_without_duplicating(world: World) -> None:
    _import(world, csv_bytes(row("f-1", name="Old name", services="SA OIT MD")))
    run = _import(world, csv_bytes(row("f-1", name="New name", services="SA OP SF"), row("f-2")))
    assert (run.created, run.updated) == (1, 1)
    facility = Facility.objects.get(external_id="f-1")
    assert facility.name == "New name"
    assert CareType.keys_in(facility.care_types) == ["outpatient"]
    assert Payment.keys_in(facility.payments) == ["self_pay"]
    assert Facility.objects.count() == 2
    again = _import(world, csv_bytes(row("f-1", name="New name", services="SA OP SF"), row("f-2")))
    assert (again.created, again.updated, Facility.objects.count()) == (0, 2, 2)


def test_a_facility_id_of_another_organization_or_a_program_is_not_overwritten(
    world: World,
) -> None:
    FacilityFactory.create(external_id="theirs", organization=world.org_b, name="B's entry")
    run = _import(world, csv_bytes(row("theirs"), row("openiop-program-1")))
    assert run.created == 0 and run.rejected == 2
    assert Facility.objects.get(external_id="theirs").name == "B's entry"
    assert {e["column"] for e in run.errors} == {"facility_id"}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00bad", "UTF-8"),
        (b"name,city\nX,Y\n", "required column"),
        (HEADER.encode() + b"\n", "no facility rows"),
        (b"facility_id,facility_id,name,city,state,zip,services\n", "twice"),
    ],
)
def test_a_malformed_file_is_refused_whole_and_changes_nothing(
    world: World, data: bytes, reason: str
) -> None:
    FacilityFactory.create(external_id="keep", organization=world.org_a)
    with pytest.raises(importer.ImportFileError, match=reason):
        _import(world, data)
    assert list(Facility.objects.values_list("external_id", flat=True)) == ["keep"]
    assert not ImportRun.objects.exists()


def test_a_crash_in_the_middle_of_an_import_keeps_the_previous_data(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(world, csv_bytes(row("f-1", name="Before")))

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(ImportRun.objects, "create", boom)
    with pytest.raises(RuntimeError):
        _import(world, csv_bytes(row("f-1", name="After"), row("f-2")))
    assert Facility.objects.get(external_id="f-1").name == "Before"
    assert not Facility.objects.filter(external_id="f-2").exists()


def test_only_an_administrator_of_the_organization_may_import(world: World) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.facility_import_csv(
            actor=world.counselor_a1, organization=world.org_a, data=csv_bytes(row()), file_name="x"
        )
    with pytest.raises(PermissionDenied):
        services.facility_import_csv(
            actor=world.admin_b, organization=world.org_a, data=csv_bytes(row()), file_name="x"
        )


def test_every_mapped_code_is_documented_and_none_is_also_ignored() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "locator-import.md").read_text()
    for code in codes.SERVICE_CODES:
        assert f"`{code}`" in doc, code
    assert not set(codes.SERVICE_CODES) & codes.IGNORED_CODES


# --- the command ------------------------------------------------------------------------------


def test_command_prints_a_summary_with_rejected_rows(world: World, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(csv_bytes(row("a"), row("b", zip_code="x")))
    out = StringIO()
    call_command("locator", "import", str(path), "--organization", "Org A", stdout=out)
    text = out.getvalue()
    assert "2 rows read, 1 created, 0 updated, 1 rejected" in text
    assert "row 3, column zip" in text


def test_command_exits_2_on_a_malformed_file(world: World, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"just,some,columns\n1,2,3\n")
    with pytest.raises(CommandError) as exc:
        call_command("locator", "import", str(path), "--organization", "Org A")
    assert exc.value.returncode == 2 and "malformed" in str(exc.value)
    assert not Facility.objects.exists()


# --- the upload page --------------------------------------------------------------------------


def test_administrator_uploads_a_file_and_sees_the_rejected_rows(
    client: Client, world: World
) -> None:
    login(client, world.admin_a)
    upload = SimpleUploadedFile("f.csv", csv_bytes(row("a"), row("b", services="OIT NOPE")))
    response = client.post("/locator/import", {"file": upload})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"1 created" in page.content and b"NOPE" in page.content


def test_a_malformed_upload_rerenders_with_a_field_error_and_saves_nothing(
    client: Client, world: World
) -> None:
    login(client, world.admin_a)
    upload = SimpleUploadedFile("f.csv", b"nothing useful\n")
    response = client.post("/locator/import", {"file": upload})
    assert response.status_code == 422
    assert b"required column" in response.content
    assert not Facility.objects.exists() and not ImportRun.objects.exists()


def test_a_counselor_is_refused_the_directory_pages_and_the_refusal_is_audited(
    client: Client, world: World
) -> None:
    login(client, world.counselor_a1)
    assert client.get("/locator/").status_code == 403
    upload = SimpleUploadedFile("f.csv", csv_bytes(row()))
    assert client.post("/locator/import", {"file": upload}).status_code == 403
    assert not Facility.objects.exists()
    assert AuditEvent.objects.filter(
        action="denied", username="counselor_a1", object_type="locator.directory"
    ).exists()


def test_an_import_of_another_organization_is_404_and_audited(client: Client, world: World) -> None:
    run = services.facility_import_csv(
        actor=world.admin_b, organization=world.org_b, data=csv_bytes(row()), file_name="b.csv"
    )
    login(client, world.admin_a)
    assert client.get(f"/locator/imports/{run.pk}/").status_code == 404
    assert AuditEvent.objects.filter(
        action="denied", username="admin_a", object_type="locator.importrun", object_id=str(run.pk)
    ).exists()
