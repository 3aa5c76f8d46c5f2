"""Consents (42 CFR 2.31): recording, validation of each element, scans, versions,
revocation and the gate afterwards, the pages, refusals and the list page's query count."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openiop.core.models import AuditEvent
from openiop.core.testing import PatientFactory, World, login
from openiop.domain.consent import TPO_RECIPIENT_WORDING, Recipient
from openiop.fhir.models import FhirClient
from openiop.fhir.services import register_client
from openiop.patients.models import Patient
from openiop.privacy import gate, services
from openiop.privacy.models import Consent

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 16)
PDF = b"%PDF-1.4\n%fake consent scan\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _named(**kw: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": "named",
        "recipient_kind": "employer",
        "recipient_name": "Northside Logistics HR",
        "purpose": "employment",
        "data": ["attendance"],
        "expires_on": date(2027, 2, 14),
        "signer_name": "Alex Doe",
        "signer_relation": "patient",
        "signed_on": TODAY,
        "signature_method": "screen",
        "typed_name": "alex doe",
        "agreed": True,
        "disclosing_party": "The program",
    }
    values.update(kw)
    return values


def _tpo(world: World, patient: Patient | None = None, **kw: Any) -> Consent:
    values: dict[str, Any] = {
        "kind": "tpo",
        "data": ["demographics", "attendance", "diagnosis", "billing"],
        "ends_with_treatment": True,
        "signer_name": "Alex Doe",
        "signed_on": TODAY,
        "signature_method": "screen",
        "typed_name": "Alex Doe",
        "agreed": True,
    }
    values.update(kw)
    return services.consent_record(world.intake_a1, patient or world.patient_a1, **values)


def _post(world: World, **kw: Any) -> dict[str, Any]:
    data = _named(**kw)
    data["expires_on"] = data["expires_on"].isoformat() if data["expires_on"] else ""
    data["signed_on"] = data["signed_on"].isoformat() if data["signed_on"] else ""
    data["information"] = data.pop("data")
    if not data["agreed"]:
        data.pop("agreed")
    return data


# ---------------------------------------------------------------- services


def test_a_tpo_consent_is_stored_with_the_regulation_wording_and_the_gate_accepts_it(
    world: World,
) -> None:
    c = _tpo(world, recipient_name="ignored")
    assert c.recipient_name == TPO_RECIPIENT_WORDING
    assert c.purpose == "treatment" and c.version == 1 and c.disclosing_party
    assert c.organization_id == world.patient_a1.organization_id
    decision = gate.check(
        world.patient_a1,
        recipient=Recipient("health_plan", "State Medicaid"),
        purpose="payment",
        data={"billing"},
    )
    assert decision.allowed and decision.consent_id == c.pk
    assert AuditEvent.objects.filter(action="add", object_id=str(c.pk)).count() == 1


def test_a_named_consent_covers_its_recipient_only(world: World) -> None:
    c = services.consent_record(world.intake_a1, world.patient_a1, **_named())
    ok = gate.check(
        world.patient_a1,
        recipient=Recipient("employer", "Northside Logistics HR"),
        purpose="employment",
        data={"attendance"},
    )
    assert ok.allowed and ok.consent_id == c.pk
    other = gate.check(
        world.patient_a1,
        recipient=Recipient("employer", "Someone Else"),
        purpose="employment",
        data={"attendance"},
    )
    assert not other.allowed


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"recipient_name": ""}, "recipient_name"),
        ({"recipient_kind": ""}, "recipient_kind"),
        ({"purpose": ""}, "purpose"),
        ({"data": []}, "data"),
        ({"expires_on": None}, "expires_on"),
        ({"signer_name": "", "typed_name": ""}, "signer_name"),
        ({"signed_on": None}, "signed_on"),
    ],
)
def test_each_missing_element_is_refused_by_field(
    world: World, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.consent_record(world.intake_a1, world.patient_a1, **_named(**change))
    assert field in exc.value.message_dict
    assert not Consent.objects.exists()


def test_counseling_notes_consent_covers_the_notes_only(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.consent_record(
            world.intake_a1,
            world.patient_a1,
            **_named(kind="sud_notes", purpose="treatment", data=["sud_notes", "diagnosis"]),
        )
    assert "2.31(b)" in exc.value.message_dict["data"][0]
    c = services.consent_record(
        world.intake_a1,
        world.patient_a1,
        **_named(kind="sud_notes", purpose="treatment", data=["sud_notes"]),
    )
    assert c.data == ["sud_notes"]


def test_signed_on_in_the_future_and_a_wrong_typed_name_are_refused(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.consent_record(
            world.intake_a1,
            world.patient_a1,
            **_named(signed_on=date(2026, 11, 17), typed_name="Someone", agreed=False),
        )
    errors = exc.value.message_dict
    assert {"signed_on", "typed_name", "agreed"} <= errors.keys()


def test_a_paper_consent_needs_a_pdf_png_or_jpeg_scan_of_at_most_5_mb(world: World) -> None:
    base = _named(signature_method="paper", typed_name="", agreed=False)
    for scan, message in (
        (None, "Attach"),
        (b"MZ\x90\x00 not a document", "PDF, PNG or JPEG"),
        (b"%PDF-" + b"0" * (5 * 1024 * 1024), "5 MB"),
    ):
        with pytest.raises(ValidationError) as exc:
            services.consent_record(
                world.intake_a1,
                world.patient_a1,
                **{**base, "scan": scan, "scan_type": "application/pdf"},
            )
        assert message in exc.value.message_dict["scan"][0]
    c = services.consent_record(
        world.intake_a1, world.patient_a1, **{**base, "scan": PNG, "scan_type": "application/pdf"}
    )
    assert c.scan_type == "image/png" and len(c.scan_sha256) == 64


def test_an_adolescent_consent_may_be_signed_by_a_parent_but_an_adults_may_not(
    world: World,
) -> None:
    teen = PatientFactory(
        organization=world.org_a,
        site=world.site_a1,
        program=world.program_a1,
        date_of_birth=date(2011, 3, 1),
    )
    c = services.consent_record(
        world.director_a,
        teen,
        **_named(signer_relation="parent", signer_name="Pat Doe", typed_name="Pat Doe"),
    )
    assert c.signer_relation == "parent"
    with pytest.raises(ValidationError) as exc:
        services.consent_record(
            world.intake_a1, world.patient_a1, **_named(signer_relation="parent")
        )
    assert "signer_relation" in exc.value.message_dict


def test_replacing_makes_a_new_version_and_supersedes_the_old(world: World) -> None:
    old = services.consent_record(world.intake_a1, world.patient_a1, **_named())
    new = services.consent_record(
        world.intake_a1, world.patient_a1, replaces=old, **_named(data=["attendance", "discharge"])
    )
    old.refresh_from_db()
    assert new.version == 2 and new.supersedes_id == old.pk
    assert old.superseded_at == NOW
    with pytest.raises(ValidationError) as exc:
        services.consent_record(world.intake_a1, world.patient_a1, replaces=old, **_named())
    assert "replaces" in exc.value.message_dict


def test_revoking_stops_the_gate_and_cannot_be_done_twice(world: World) -> None:
    c = _tpo(world)
    with pytest.raises(ValidationError) as exc:
        services.consent_revoke(world.intake_a1, c, method="spoken", note="")
    assert "note" in exc.value.message_dict
    services.consent_revoke(world.intake_a1, c, method="spoken", note="Said so at group today.")
    with time_machine.travel(datetime(2026, 11, 16, 16, 0, tzinfo=UTC), tick=False):
        decision = gate.check(
            world.patient_a1,
            recipient=Recipient("health_plan", "State Medicaid"),
            purpose="payment",
            data={"billing"},
        )
    assert not decision.allowed and "revoked" in decision.reason
    with pytest.raises(ValidationError):
        services.consent_revoke(world.intake_a1, c, method="writing")
    with pytest.raises(ValidationError):
        services.consent_record(world.intake_a1, world.patient_a1, replaces=c, **_named())


def test_the_service_refuses_a_patient_of_another_organization(world: World) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.consent_record(world.counselor_b1, world.patient_a1, **_named())
    assert AuditEvent.objects.filter(action="denied", username="counselor_b1").exists()


# ---------------------------------------------------------------- pages


def test_the_list_shows_consents_and_buttons(client: Client, world: World) -> None:
    _tpo(world)
    login(client, world.intake_a1)
    r = client.get(reverse("privacy:consents", args=[world.patient_a1.pk]))
    assert r.status_code == 200
    body = r.content.decode()
    assert "In effect" in body and "Record a consent" in body
    assert "Treatment, payment and health care operations" in body


def test_recording_a_consent_through_the_page(client: Client, world: World) -> None:
    login(client, world.intake_a1)
    url = reverse("privacy:consent_new", args=[world.patient_a1.pk])
    r = client.get(url)
    assert r.status_code == 200 and "2.31(a)(6)" in r.content.decode()
    r = client.post(url, _post(world))
    assert r.status_code == 302
    assert r["Location"] == reverse("privacy:consents", args=[world.patient_a1.pk])
    assert Consent.objects.get().recipient_name == "Northside Logistics HR"


@pytest.mark.parametrize(
    "missing",
    ["recipient_name", "purpose", "information", "expires_on", "signer_name", "signed_on"],
)
def test_the_page_answers_422_for_each_missing_element(
    client: Client, world: World, missing: str
) -> None:
    login(client, world.intake_a1)
    data = _post(world)
    data.pop(missing)
    r = client.post(reverse("privacy:consent_new", args=[world.patient_a1.pk]), data)
    assert r.status_code == 422
    assert "42 CFR 2.31" in r.content.decode()
    assert not Consent.objects.exists()


def test_a_paper_scan_upload_is_stored_and_served_as_an_attachment(
    client: Client, world: World
) -> None:
    login(client, world.intake_a1)
    data = _post(world, signature_method="paper", typed_name="", agreed=False)
    data["scan"] = SimpleUploadedFile("consent.pdf", PDF, content_type="application/pdf")
    r = client.post(reverse("privacy:consent_new", args=[world.patient_a1.pk]), data)
    assert r.status_code == 302
    c = Consent.objects.get()
    r = client.get(reverse("privacy:consent_scan", args=[c.pk]))
    assert r.status_code == 200 and r.content == PDF
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment")
    assert r["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(action="view", detail="consent scan").count() == 1


def test_a_scan_that_is_not_a_document_is_refused_with_422(client: Client, world: World) -> None:
    login(client, world.intake_a1)
    data = _post(world, signature_method="paper", typed_name="", agreed=False)
    data["scan"] = SimpleUploadedFile(
        "consent.pdf", b"<html>x</html>", content_type="application/pdf"
    )
    r = client.post(reverse("privacy:consent_new", args=[world.patient_a1.pk]), data)
    assert r.status_code == 422 and "PDF, PNG or JPEG" in r.content.decode()


def test_detail_replace_and_revoke_pages(client: Client, world: World) -> None:
    c = services.consent_record(world.intake_a1, world.patient_a1, **_named())
    login(client, world.intake_a1)
    r = client.get(reverse("privacy:consent", args=[c.pk]))
    assert r.status_code == 200 and "Version 1" in r.content.decode()
    r = client.get(reverse("privacy:consent_replace", args=[c.pk]))
    assert r.status_code == 200 and "Northside Logistics HR" in r.content.decode()
    r = client.post(reverse("privacy:consent_replace", args=[c.pk]), _post(world))
    assert r.status_code == 302
    new = Consent.objects.get(supersedes=c)
    assert new.version == 2
    r = client.post(reverse("privacy:consent_revoke", args=[new.pk]), {"method": "spoken"})
    assert r.status_code == 422
    r = client.post(reverse("privacy:consent_revoke", args=[new.pk]), {"method": "writing"})
    assert r.status_code == 302
    new.refresh_from_db()
    assert new.revoked_at == NOW and new.revoked_by == world.intake_a1
    r = client.get(reverse("privacy:consents", args=[world.patient_a1.pk]))
    assert "Revoked on 16 Nov 2026" in r.content.decode()
    assert "Replaced on 16 Nov 2026" in r.content.decode()


# ---------------------------------------------------------------- registered systems


def _client(world: World, name: str = "Riverside Clinic", org_admin: Any = None) -> FhirClient:
    return register_client(
        org_admin or world.admin_a,
        name=name,
        recipient_kind="treating_provider",
        scopes="system/*.rs",
    ).client


def _bound(world: World, client: FhirClient, **kw: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "recipient_kind": "",
        "recipient_name": "",
        "purpose": "treatment",
        "fhir_client": client.pk,
    }
    return _named(**(values | kw))


def test_a_named_consent_is_bound_to_a_registered_system_by_its_key(world: World) -> None:
    client = _client(world)
    c = services.consent_record(world.intake_a1, world.patient_a1, **_bound(world, client))
    assert c.recipient_key == f"fhir-client:{client.pk}"
    assert c.recipient_name == "Riverside Clinic" and c.recipient_kind == "treating_provider"
    # The same name, written differently, is accepted; the kind chosen is kept.
    c2 = services.consent_record(
        world.intake_a1,
        world.patient_a1,
        **_bound(world, client, kind="research", purpose="research", data=["screenings"])
        | {"recipient_name": "riverside  clinic", "recipient_kind": "researcher"},
    )
    assert c2.recipient_key == client.recipient_key and c2.recipient_kind == "researcher"


def test_binding_refuses_another_name_a_tpo_consent_and_an_unusable_client(
    world: World,
) -> None:
    client = _client(world)
    with pytest.raises(ValidationError) as exc:
        services.consent_record(
            world.intake_a1,
            world.patient_a1,
            **_bound(world, client) | {"recipient_name": "Someone Else"},
        )
    assert exc.value.message_dict["recipient_name"] == [
        "The name differs from the registered system's name."
    ]
    with pytest.raises(ValidationError) as exc:
        _tpo(world, fhir_client=client.pk)
    assert "fhir_client" in exc.value.message_dict
    other = _client(world, "Elsewhere Clinic", world.admin_b)
    for bad in (other.pk, 999999):  # another organization's client, no client
        with pytest.raises(ValidationError) as exc:
            services.consent_record(
                world.intake_a1, world.patient_a1, **_bound(world, client, fhir_client=bad)
            )
        assert "fhir_client" in exc.value.message_dict
    FhirClient.objects.filter(pk=client.pk).update(active=False)
    with pytest.raises(ValidationError) as exc:
        services.consent_record(world.intake_a1, world.patient_a1, **_bound(world, client))
    assert "fhir_client" in exc.value.message_dict
    assert not Consent.objects.exists()


def test_the_form_offers_active_clients_only_when_there_is_one(
    client: Client, world: World
) -> None:
    login(client, world.intake_a1)
    url = reverse("privacy:consent_new", args=[world.patient_a1.pk])
    assert "A registered system (FHIR client)" not in client.get(url).content.decode()
    riverside = _client(world)
    gone = _client(world, "Closed Clinic")
    FhirClient.objects.filter(pk=gone.pk).update(active=False)
    _client(world, "Elsewhere Clinic", world.admin_b)
    body = client.get(url).content.decode()
    assert "A registered system (FHIR client)" in body
    assert "Riverside Clinic (a treating provider)" in body
    assert "Closed Clinic" not in body and "Elsewhere Clinic" not in body
    # Chosen on the page: bound; a different name or a TPO consent: 422 on the field.
    data = _post(world, recipient_name="Someone Else") | {"fhir_client": str(riverside.pk)}
    r = client.post(url, data)
    assert r.status_code == 422
    assert "The name differs from the registered system&#x27;s name" in r.content.decode()
    r = client.post(url, data | {"kind": "tpo", "recipient_name": ""})
    assert r.status_code == 422
    r = client.post(url, data | {"fhir_client": str(gone.pk)})
    assert r.status_code == 422
    assert not Consent.objects.exists()
    r = client.post(url, data | {"recipient_name": "", "recipient_kind": ""})
    assert r.status_code == 302
    c = Consent.objects.get()
    assert c.recipient_key == riverside.recipient_key and c.recipient_name == "Riverside Clinic"


def test_replacing_a_bound_consent_keeps_the_binding_and_the_page_shows_it(
    client: Client, world: World
) -> None:
    riverside = _client(world)
    old = services.consent_record(world.intake_a1, world.patient_a1, **_bound(world, riverside))
    login(client, world.intake_a1)
    body = client.get(reverse("privacy:consent", args=[old.pk])).content.decode()
    assert "Bound to the registered system Riverside Clinic" in body
    r = client.get(reverse("privacy:consent_replace", args=[old.pk]))
    form = r.context["form"]
    assert form.initial["fhir_client"] == riverside.pk
    assert f'<option value="{riverside.pk}" selected>' in r.content.decode()
    data = _post(world, recipient_name="Riverside Clinic", recipient_kind="treating_provider")
    data |= {"purpose": "treatment", "fhir_client": str(riverside.pk)}
    r = client.post(reverse("privacy:consent_replace", args=[old.pk]), data)
    assert r.status_code == 302
    new = Consent.objects.get(supersedes=old)
    assert new.recipient_key == riverside.recipient_key
    unbound = services.consent_record(world.intake_a1, world.patient_a1, **_named())
    body = client.get(reverse("privacy:consent", args=[unbound.pk])).content.decode()
    assert "Bound to the registered system" not in body


# ---------------------------------------------------------------- refusals


def _urls(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    c = services.consent_record(
        world.intake_a1,
        world.patient_a1,
        **_named(signature_method="paper", typed_name="", agreed=False, scan=PDF),
    )
    p = world.patient_a1.pk
    return [
        ("get", reverse("privacy:consents", args=[p]), {}),
        ("get", reverse("privacy:consent_new", args=[p]), {}),
        ("post", reverse("privacy:consent_new", args=[p]), _post(world)),
        ("get", reverse("privacy:consent", args=[c.pk]), {}),
        ("get", reverse("privacy:consent_replace", args=[c.pk]), {}),
        ("post", reverse("privacy:consent_revoke", args=[c.pk]), {"method": "writing"}),
        ("get", reverse("privacy:consent_scan", args=[c.pk]), {}),
        ("get", reverse("privacy:notice", args=[p]), {}),
        (
            "post",
            reverse("privacy:notice", args=[p]),
            {"method": "paper", "given_on": "2026-11-16"},
        ),
        ("get", reverse("privacy:emergency", args=[p]), {}),
    ]


def test_a_user_of_another_organization_gets_404_everywhere_audited_once(
    client: Client, world: World
) -> None:
    urls = _urls(world)
    login(client, world.counselor_b1)
    for method, url, data in urls:
        before = AuditEvent.objects.filter(action="denied").count()
        r = getattr(client, method)(url, data)
        assert r.status_code == 404, url
        assert world.patient_a1.last_name not in r.content.decode()
        denied = AuditEvent.objects.filter(action="denied").order_by("seq")
        assert denied.count() == before + 1, url
        assert denied.last().username == "counselor_b1"  # type: ignore[union-attr]
    assert Consent.objects.count() == 1
    assert Consent.objects.get().revoked_at is None


@pytest.mark.parametrize("who", ["billing_a1", "frontdesk_a1"])
def test_billing_and_front_desk_are_refused_with_403_audited(
    client: Client, world: World, who: str
) -> None:
    urls = _urls(world)
    user = getattr(world, who)
    login(client, user)
    for method, url, data in urls:
        before = AuditEvent.objects.filter(action="denied", username=user.username).count()
        r = getattr(client, method)(url, data)
        assert r.status_code == 403, url
        assert world.patient_a1.last_name not in r.content.decode()
        after = AuditEvent.objects.filter(action="denied", username=user.username).count()
        assert after == before + 1, url
    assert Consent.objects.count() == 1


def test_the_list_page_costs_the_same_queries_for_1_and_5_consents(
    client: Client, world: World
) -> None:
    login(client, world.intake_a1)
    url = reverse("privacy:consents", args=[world.patient_a1.pk])
    _tpo(world)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(4):
        services.consent_record(
            world.intake_a1, world.patient_a1, **_named(recipient_name=f"Employer {n}")
        )
    with CaptureQueriesContext(connection) as five:
        r = client.get(url)
    assert r.content.decode().count("Employer ") == 4
    assert len(five.captured_queries) == len(one.captured_queries)


def test_the_demo_gives_most_patients_a_consent_and_admitted_patients_the_notice() -> None:
    from openiop.core import demo
    from openiop.intake.models import Admission
    from openiop.privacy.models import NoticeGiven

    demo.build_demo(seed=5, patients=40, today=TODAY)
    patients = Patient.objects.count()
    tpo = Consent.objects.filter(kind="tpo")
    in_effect = tpo.filter(revoked_at__isnull=True).count()
    assert 0.7 * patients <= in_effect <= patients
    assert tpo.filter(revoked_at__isnull=False).exists()
    assert all(c.revoked_at.date() < TODAY for c in tpo.filter(revoked_at__isnull=False))  # type: ignore[union-attr]
    assert Consent.objects.filter(kind="named", recipient_kind="employer").exists()
    admitted = Admission.objects.values("patient").distinct().count()
    assert NoticeGiven.objects.values("patient").distinct().count() == admitted
    for c in Consent.objects.all()[:200]:
        assert c.signed_on <= TODAY and (c.expires_on is None or not c.ends_with_treatment)
