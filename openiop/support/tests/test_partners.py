"""The partner directory: saving a partner and its services (unique name per organization,
audited), the list's search and query count, the edit page, and its refusals."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openiop.core.models import AuditEvent
from openiop.core.testing import World, login
from openiop.locator.tests.factories import FacilityFactory
from openiop.privacy.models import Consent
from openiop.support.models import Partner, PartnerService
from openiop.support.referrals.partners import partner_save
from openiop.support.tests.test_referrals import NOW, consent_for, make_partner, send

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _data(**kw: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "Harbor Housing",
        "contact_name": "Dana Reyes",
        "phone": "(508) 555-0111",
        "email": "intake@harbor.example",
        "languages": ["en", "es"],
        "active": True,
    }
    values.update(kw)
    return values


SERVICES = [{"kind": "housing", "name": "Emergency shelter", "eligibility": "Adults"}]


def test_save_creates_and_changes_a_partner_with_services(world: World) -> None:
    p = partner_save(actor=world.peer_a1, partner=None, data=_data(), services=SERVICES)
    assert p.organization_id == world.org_a.pk and p.languages == ["en", "es"]
    assert [s.name for s in p.services.all()] == ["Emergency shelter"]
    svc = p.services.get()
    partner_save(
        actor=world.admin_a,
        partner=p,
        data=_data(phone=""),
        services=[
            {"pk": svc.pk, "kind": "housing", "name": "Shelter beds", "eligibility": ""},
            {"kind": "employment", "name": "Job coaching"},
        ],
    )
    assert sorted(PartnerService.objects.values_list("name", flat=True)) == [
        "Job coaching",
        "Shelter beds",
    ]
    partner_save(actor=world.admin_a, partner=p, data=_data(), services=[])
    assert not PartnerService.objects.exists()
    events = AuditEvent.objects.filter(object_type="support.partner", object_id=str(p.pk))
    assert events.count() == 3 and all(e.patient_id_value is None for e in events)


def test_a_service_named_by_a_referral_is_made_inactive_not_deleted(world: World) -> None:
    r = send(world)
    r.service = r.partner.services.get()
    r.save()
    partner_save(
        actor=world.admin_a, partner=r.partner, data=_data(name=r.partner.name), services=[]
    )
    assert PartnerService.objects.get(pk=r.service.pk).active is False


def test_the_name_is_unique_in_the_organization(world: World) -> None:
    make_partner(world.org_a, name="Harbor Housing")
    make_partner(world.org_b, name="Other Org Partner")
    with pytest.raises(ValidationError) as exc:
        partner_save(
            actor=world.peer_a1, partner=None, data=_data(name="harbor housing"), services=[]
        )
    assert "name" in exc.value.message_dict
    partner_save(
        actor=world.peer_a1, partner=None, data=_data(name="Other Org Partner"), services=[]
    )


def test_names_differing_only_in_case_spacing_or_punctuation_are_duplicates(
    world: World,
) -> None:
    make_partner(world.org_a, name="Harbor Housing")
    for name in ("Harbor-Housing", "harbor  housing.", "HARBOR HOUSING"):
        with pytest.raises(ValidationError) as exc:
            partner_save(actor=world.peer_a1, partner=None, data=_data(name=name), services=[])
        assert exc.value.message_dict["name"] == [
            "Another partner of your organization has this name."
        ]
    assert Partner.objects.filter(organization=world.org_a).count() == 1
    other = make_partner(world.org_a, name="Harbor Health")
    with pytest.raises(ValidationError) as exc:
        partner_save(
            actor=world.peer_a1, partner=other, data=_data(name="Harbor-Housing"), services=[]
        )
    assert "name" in exc.value.message_dict
    assert Partner.objects.get(pk=other.pk).name == "Harbor Health"


def test_a_partner_named_by_a_consent_or_a_referral_is_not_renamed(world: World) -> None:
    bound = make_partner(world.org_a, name="Harbor Housing")
    consent_for(world, world.patient_a1, bound)  # a consent bound to it by its key
    by_name = make_partner(world.org_a, name="Legal Aid North", kind="legal")
    named = consent_for(world, world.patient_a1, by_name)
    Consent.objects.filter(pk=named.pk).update(
        recipient_key="", recipient_name="legal aid, north"
    )  # an older consent naming it only by name
    referred = send(world, partner=make_partner(world.org_a, name="Job Start"))
    Consent.objects.filter(recipient_key=f"partner:{referred.partner_id}").update(
        recipient_key="", recipient_kind="treating_provider"
    )  # only the referral names it now
    for partner in (bound, by_name, referred.partner):
        with pytest.raises(ValidationError) as exc:
            partner_save(
                actor=world.admin_a, partner=partner, data=_data(name="A New Name"), services=[]
            )
        assert exc.value.message_dict["name"] == [
            "Consents or referrals name this partner; add a new partner instead of renaming it."
        ]
        assert Partner.objects.get(pk=partner.pk).name == partner.name
    # a change of case or punctuation only still names the same partner
    changed = partner_save(
        actor=world.admin_a, partner=bound, data=_data(name="HARBOR housing"), services=[]
    )
    assert changed.name == "HARBOR housing"
    # a partner no one names yet may be renamed
    free = make_partner(world.org_a, name="Food Pantry", kind="food")
    elsewhere = consent_for(world, world.patient_a1, free)
    Consent.objects.filter(pk=elsewhere.pk).update(organization=world.org_b, recipient_key="")
    renamed = partner_save(
        actor=world.admin_a, partner=free, data=_data(name="Eastside Food Pantry"), services=[]
    )
    assert renamed.name == "Eastside Food Pantry"


def test_bad_services_and_foreign_facility_are_refused(world: World) -> None:
    for rows in ([{"kind": "nope", "name": "X"}], [{"kind": "housing", "name": ""}]):
        with pytest.raises(ValidationError) as exc:
            partner_save(actor=world.peer_a1, partner=None, data=_data(), services=rows)
        assert "services" in exc.value.message_dict
    foreign = FacilityFactory.create(organization=world.org_b)
    with pytest.raises(ValidationError) as exc:
        partner_save(actor=world.peer_a1, partner=None, data=_data(facility=foreign), services=[])
    assert "facility" in exc.value.message_dict
    assert not Partner.objects.exists()


def test_roles_and_organizations(world: World) -> None:
    with pytest.raises(PermissionDenied):
        partner_save(actor=world.counselor_a1, partner=None, data=_data(), services=[])
    p = make_partner(world.org_a)
    with pytest.raises(Http404):
        partner_save(actor=world.admin_b, partner=p, data=_data(), services=[])
    assert Partner.objects.count() == 1


# ---------------------------------------------------------------- pages


def test_list_searches_and_counts_queries(client: Client, world: World) -> None:
    facility = FacilityFactory.create(
        organization=world.org_a, address="9 Elm St", phone="(508) 555-0199"
    )
    make_partner(world.org_a, name="Harbor Housing", languages=["es"], facility=facility)
    make_partner(world.org_a, name="Legal Aid North", kind="legal", languages=["en"])
    make_partner(world.org_b, name="B Side Housing")
    login(client, world.counselor_a1)
    url = reverse("support:partner_list")
    html = client.get(url).content.decode()
    assert "Harbor Housing" in html and "Legal Aid North" in html and "B Side" not in html
    assert "9 Elm St" in html and "(508) 555-0199" in html
    assert "Add a partner" not in html  # counselors read, do not manage
    only = client.get(url, {"kind": "legal"}).content.decode()
    assert "Legal Aid North" in only and "Harbor Housing" not in only
    spanish = client.get(url, {"language": "es"}).content.decode()
    assert "Harbor Housing" in spanish and "Legal Aid North" not in spanish
    named = client.get(url, {"text": "harbor"}).content.decode()
    assert "Harbor Housing" in named and "Legal Aid North" not in named

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(8):
        make_partner(world.org_a, name=f"Partner {i}")
    assert count() == few


def test_edit_page_creates_a_partner_with_service_rows(client: Client, world: World) -> None:
    login(client, world.peer_a1)
    url = reverse("support:partner_new")
    assert client.get(url).status_code == 200
    post = {
        "name": "Harbor Housing",
        "email": "intake@harbor.example",
        "languages": ["en", "es"],
        "active": "on",
        "svc-TOTAL_FORMS": "2",
        "svc-INITIAL_FORMS": "0",
        "svc-0-kind": "housing",
        "svc-0-name": "Emergency shelter",
        "svc-1-kind": "",
        "svc-1-name": "",
    }
    resp = client.post(url, post)
    assert resp.status_code == 302
    p = Partner.objects.get()
    assert p.services.get().name == "Emergency shelter"
    again = client.post(url, post)
    assert again.status_code == 422 and "Another partner" in again.content.decode()
    assert Partner.objects.count() == 1
    edit = reverse("support:partner_edit", args=[p.pk])
    assert "Emergency shelter" in client.get(edit).content.decode()


def test_the_edit_page_refuses_renaming_a_partner_a_consent_names_with_422(
    client: Client, world: World
) -> None:
    p = make_partner(world.org_a, name="Harbor Housing")
    consent_for(world, world.patient_a1, p)
    login(client, world.peer_a1)
    post = {
        "name": "Harbor Family Services",
        "languages": ["en"],
        "active": "on",
        "svc-TOTAL_FORMS": "0",
        "svc-INITIAL_FORMS": "0",
    }
    resp = client.post(reverse("support:partner_edit", args=[p.pk]), post)
    assert resp.status_code == 422
    assert "add a new partner instead of renaming it" in resp.content.decode()
    assert Partner.objects.get(pk=p.pk).name == "Harbor Housing"
    assert p.services.count() == 1  # nothing partial saved


def test_refusals(client: Client, world: World) -> None:
    p = make_partner(world.org_a)
    login(client, world.counselor_b1)
    before = AuditEvent.objects.filter(action="denied").count()
    login(client, world.admin_b)
    assert client.get(reverse("support:partner_edit", args=[p.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="denied").count() == before + 1
    login(client, world.counselor_a1)
    assert client.get(reverse("support:partner_new")).status_code == 403
    login(client, world.billing_a1)
    assert client.get(reverse("support:partner_list")).status_code == 403
