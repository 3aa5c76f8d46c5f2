"""The Django admin shows a verified superuser their own organization only, never shows
patient data, never changes the audit trail, and audits the few writes it still allows."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import get_resolver, reverse

from openiop.accounts.models import Role, User
from openiop.core import audit
from openiop.core.admin import OrganizationAdmin
from openiop.core.models import AuditEvent
from openiop.core.testing import World, login, make_staff, without_tokens
from openiop.locator.models import Facility, FeeScheduleSetting
from openiop.locator.tests.factories import FacilityFactory
from openiop.organization.models import Site

PATIENT_DATA_APPS = {"patients", "intake", "scheduling", "delivery", "care"}
ALLOWED_FROM_PATIENT_DATA_APPS = {"intake.placementpolicysetting"}  # program settings


@pytest.fixture
def root_a(world: World) -> User:
    return make_staff("root_a", Role.ADMINISTRATOR, world.org_a, is_superuser=True, is_staff=True)


@pytest.fixture
def admin_client(client: Client, root_a: User) -> Client:
    return login(client, root_a)


def _registry() -> dict[type, Any]:
    get_resolver().url_patterns  # noqa: B018 (loading the URLs applies the admin policy)
    return dict(admin.site._registry)


def _changelist(client: Client, model: type) -> list[Any]:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url)
    assert response.status_code == 200
    return list(response.context["cl"].queryset)


def test_every_admin_page_is_organization_scoped_and_patient_data_is_absent() -> None:
    registry = _registry()
    assert registry, "the admin should still offer something"
    for model, model_admin in registry.items():
        label = model._meta.label_lower
        assert isinstance(model_admin, OrganizationAdmin), label
        assert model_admin.organization_path, label
        if model._meta.app_label in PATIENT_DATA_APPS:
            assert label in ALLOWED_FROM_PATIENT_DATA_APPS, label
    labels = {m._meta.label_lower for m in registry}
    assert not labels & {
        "core.breakglassgrant",
        "core.audithead",
        "auth.group",
        "otp_totp.totpdevice",
        "otp_static.staticdevice",
        "axes.accessattempt",
    }


def test_audit_and_setup_pages_are_read_only(rf: Any, root_a: User) -> None:
    request = rf.get("/admin/")
    request.user = root_a
    for model, model_admin in _registry().items():
        if model._meta.app_label in {"core", "accounts", "organization", "intake"}:
            assert not model_admin.has_add_permission(request), model
            assert not model_admin.has_change_permission(request), model
            assert not model_admin.has_delete_permission(request), model


def test_changelists_list_only_the_superusers_organization(
    admin_client: Client, world: World
) -> None:
    from openiop.organization.models import Organization, Program

    assert set(_changelist(admin_client, Site)) == {world.site_a1, world.site_a2}
    assert set(_changelist(admin_client, Program)) == {world.program_a1, world.program_a2}
    assert set(_changelist(admin_client, Organization)) == {world.org_a}
    users = _changelist(admin_client, User)
    assert world.counselor_a1 in users and world.counselor_b1 not in users
    assert {u.organization_id for u in users} == {world.org_a.pk}
    html = admin_client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "counselor_a1" in html and "counselor_b1" not in html and "admin_b" not in html


def test_audit_events_of_another_organization_are_not_listed(
    admin_client: Client, world: World
) -> None:
    mine = audit.record(actor=world.counselor_a1, action="view", patient=world.patient_a1)
    theirs = audit.record(actor=world.counselor_b1, action="view", patient=world.patient_b1)
    listed = _changelist(admin_client, AuditEvent)
    assert mine in listed and theirs not in listed
    url = reverse("admin:core_auditevent_change", args=[theirs.pk])
    response = admin_client.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert b"counselor_b1" not in admin_client.get(url, follow=True).content


def test_change_page_of_another_organizations_object_is_not_shown(
    admin_client: Client, world: World
) -> None:
    for url in (
        reverse("admin:organization_site_change", args=[world.site_b1.pk]),
        reverse("admin:organization_program_change", args=[world.program_b1.pk]),
        reverse("admin:accounts_user_change", args=[world.counselor_b1.pk]),
        reverse("admin:organization_organization_change", args=[world.org_b.pk]),
    ):
        response = admin_client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("admin:index")
        page = without_tokens(admin_client.get(url, follow=True).content)
        assert "B1" not in page and "counselor_b1" not in page and "Org B" not in page
    own = admin_client.get(reverse("admin:organization_site_change", args=[world.site_a1.pk]))
    assert own.status_code == 200


def test_audit_events_cannot_be_changed_or_deleted_through_the_admin(
    admin_client: Client, world: World
) -> None:
    event = audit.record(actor=world.counselor_a1, action="view", patient=world.patient_a1)
    before = list(AuditEvent.objects.values())
    change = reverse("admin:core_auditevent_change", args=[event.pk])
    delete = reverse("admin:core_auditevent_delete", args=[event.pk])
    assert admin_client.post(change, {"detail": "nothing happened", "seq": 1}).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client.post(reverse("admin:core_auditevent_add"), {"seq": 99}).status_code == 403
    admin_client.post(
        reverse("admin:core_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert list(AuditEvent.objects.values()) == before
    assert audit.verify().ok


def test_setup_and_users_cannot_be_changed_through_the_admin(
    admin_client: Client, world: World
) -> None:
    site = reverse("admin:organization_site_change", args=[world.site_a1.pk])
    assert admin_client.post(site, {"name": "Renamed", "city": "Boston"}).status_code == 403
    user = world.counselor_a1
    user_change = reverse("admin:accounts_user_change", args=[user.pk])
    response = admin_client.post(user_change, {"username": user.username, "is_superuser": "on"})
    assert response.status_code == 403
    password = reverse("admin:auth_user_password_change", args=[user.pk])
    response = admin_client.post(password, {"password1": "x" * 20, "password2": "x" * 20})
    assert response.status_code == 403
    delete = reverse("admin:accounts_user_delete", args=[user.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    world.site_a1.refresh_from_db()
    user.refresh_from_db()
    assert world.site_a1.name == "A1" and not user.is_superuser and user.is_active
    assert user.check_password("correct-horse-battery-staple-42")


def test_patient_data_is_not_in_the_admin(admin_client: Client, world: World) -> None:
    patient = world.patient_a1
    for url in (
        "/admin/patients/patient/",
        f"/admin/patients/patient/{patient.pk}/change/",
        "/admin/patients/enrollment/",
        "/admin/intake/referral/",
        "/admin/intake/screeningresponse/",
        "/admin/intake/safetytask/",
        "/admin/intake/admission/",
        "/admin/delivery/note/",
        "/admin/delivery/attendancerecord/",
        "/admin/delivery/disclosure/",
        "/admin/care/treatmentplan/",
        "/admin/core/breakglassgrant/",
        "/admin/otp_totp/totpdevice/",
        "/admin/auth/group/",
        "/admin/axes/accessattempt/",
    ):
        assert admin_client.get(url).status_code == 404, url
    response = admin_client.post(
        f"/admin/patients/patient/{patient.pk}/change/", {"first_name": "Changed"}
    )
    assert response.status_code == 404
    patient.refresh_from_db()
    assert patient.first_name == "Alma"
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "Referral" not in index and "Screening" not in index and "Patients" not in index


def test_fee_schedule_saved_in_the_admin_is_audited_and_limited_to_own_programs(
    admin_client: Client, world: World, root_a: User
) -> None:
    url = reverse("admin:locator_feeschedulesetting_add")
    form = admin_client.get(url).context["adminform"].form
    assert set(form.fields["program"].queryset) == {world.program_a1, world.program_a2}
    data = {
        "daily_rate_low": "200.00",
        "daily_rate_high": "300.00",
        "daily_rate_expected": "",
        "location_cost_index": "1.00",
        "services": "{}",
        "populations": "{}",
        "amenities": '{"yoga": {"label": "Yoga", "price": "15.00", "per": "week"}}',
    }
    refused = admin_client.post(url, {**data, "program": world.program_b1.pk})
    assert refused.status_code == 200 and "program" in refused.context["adminform"].form.errors
    assert not FeeScheduleSetting.objects.exists()
    response = admin_client.post(url, {**data, "program": world.program_a1.pk})
    assert response.status_code == 302
    setting = FeeScheduleSetting.objects.get()
    event = AuditEvent.objects.get(object_type="locator.feeschedulesetting")
    assert event.action == "add" and event.object_id == str(setting.pk)
    assert event.username == "root_a" and event.organization_id_value == world.org_a.pk
    assert "amenities" in event.fields and not event.part2
    assert audit.verify().ok


def test_fee_schedule_the_costing_engine_rejects_is_not_saved(
    admin_client: Client, world: World
) -> None:
    response = admin_client.post(
        reverse("admin:locator_feeschedulesetting_add"),
        {
            "program": world.program_a1.pk,
            "daily_rate_low": "200.00",
            "daily_rate_high": "300.00",
            "location_cost_index": "1.00",
            "services": "{}",
            "populations": '{"adults": "-3"}',
            "amenities": "{}",
        },
    )
    assert response.status_code == 200 and not FeeScheduleSetting.objects.exists()
    assert "population adults" in str(response.context["adminform"].form.non_field_errors())


def test_facility_removal_is_audited_and_limited_to_own_facilities(
    admin_client: Client, world: World
) -> None:
    mine = FacilityFactory(organization=world.org_a, name="Closed Clinic")
    theirs = FacilityFactory(organization=world.org_b, name="Their Clinic")
    assert set(_changelist(admin_client, Facility)) == {mine}
    other = reverse("admin:locator_facility_delete", args=[theirs.pk])
    assert admin_client.post(other, {"post": "yes"}).status_code == 302
    assert Facility.objects.filter(pk=theirs.pk).exists()
    own = reverse("admin:locator_facility_delete", args=[mine.pk])
    assert admin_client.post(own, {"post": "yes"}).status_code == 302
    assert not Facility.objects.filter(pk=mine.pk).exists()
    event = AuditEvent.objects.get(object_type="locator.facility")
    assert event.action == "delete" and event.object_id == str(mine.pk)


def test_superuser_without_an_organization_sees_nothing(client: Client, world: World) -> None:
    root = make_staff("root", Role.ADMINISTRATOR, world.org_a, is_superuser=True, is_staff=True)
    User.objects.filter(pk=root.pk).update(organization=None)
    login(client, root)
    assert _changelist(client, Site) == [] and _changelist(client, User) == []


def test_admin_needs_a_verified_superuser(client: Client, world: World, root_a: User) -> None:
    from openiop.core.testing import login_password_only

    login_password_only(client, root_a)
    assert client.get(reverse("admin:organization_site_changelist")).status_code == 302
