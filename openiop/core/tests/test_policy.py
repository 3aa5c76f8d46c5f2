"""The one access policy: the matrix in docs/access.md is the code's matrix, every cell holds
for a real user of that role, no other module keeps a list of roles, and minimum necessary
holds on real pages (front desk and billing never open clinical content)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from openiop.accounts.models import Role, User
from openiop.core import policy
from openiop.core.models import AuditEvent
from openiop.core.policy import MATRIX, Action
from openiop.core.testing import World, login
from openiop.intake.tests.helpers import PHQ9_ITEM9, PHQ9_ZERO, phq9

ROOT = Path(__file__).resolve().parents[3]
HEADERS = {
    "Administrator": Role.ADMINISTRATOR,
    "Clinical director": Role.CLINICAL_DIRECTOR,
    "Counselor": Role.COUNSELOR,
    "Intake coordinator": Role.INTAKE_COORDINATOR,
    "Billing": Role.BILLING,
    "Front desk": Role.FRONT_DESK,
    "Peer recovery specialist": Role.PEER_SPECIALIST,
    "Patient": Role.PATIENT,
    "Family member": Role.FAMILY,
}


def _documented_matrix() -> dict[str, dict[str, bool]]:
    """The table of docs/access.md as {action: {role: allowed}}."""
    text = (ROOT / "docs" / "access.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    roles = [HEADERS[h] for h in header[2:]]
    table: dict[str, dict[str, bool]] = {}
    for line in rows[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        match = re.fullmatch(r"`([a-z_.]+)`", cells[0])
        if match is None:
            continue
        assert all(c in ("yes", "no") for c in cells[2:]), line
        table[match.group(1)] = {str(r): c == "yes" for r, c in zip(roles, cells[2:], strict=True)}
    return table


DOCUMENTED = _documented_matrix()
CELLS = [(a, r, allowed) for a, row in DOCUMENTED.items() for r, allowed in row.items()]


def test_the_documented_matrix_names_every_action_and_every_role() -> None:
    assert set(DOCUMENTED) == {a.value for a in Action}
    assert all(set(row) == {r.value for r in Role} for row in DOCUMENTED.values())


class _Verified(User):
    class Meta:
        proxy = True

    def is_verified(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("action", "role", "allowed"), CELLS, ids=[f"{a}-{r}" for a, r, _ in CELLS]
)
def test_each_cell_of_the_documented_matrix_holds(action: str, role: str, allowed: bool) -> None:
    user = _Verified(username=f"u-{role}", role=role, organization_id=1, is_active=True)
    assert (role in MATRIX[Action(action)]) is allowed
    assert policy.allows(user, Action(action)) is allowed
    assert getattr(policy.Can(user), action.replace(".", "_")) is allowed


@pytest.mark.parametrize("action", list(Action))
def test_nobody_is_allowed_anything_without_the_second_factor(action: Action) -> None:
    user = User(username="x", role=Role.CLINICAL_DIRECTOR, organization_id=1, is_active=True)
    assert not policy.allows(user, action)
    inactive = _Verified(username="y", role=Role.CLINICAL_DIRECTOR, organization_id=1)
    inactive.is_active = False
    assert not policy.allows(inactive, action)
    assert not policy.allows(None, action)


def _python_sources() -> list[Path]:
    skip = ("/tests/", "/migrations/", "/testdb/")
    return [
        p
        for p in (ROOT / "openiop").rglob("*.py")
        if not any(s in str(p) for s in skip)
        and p.name not in ("policy.py", "testing.py", "demo.py")
    ]


def test_no_module_outside_the_policy_names_a_role_or_compares_roles() -> None:
    """Role members (`Role.COUNSELOR`), sets of them and comparisons such as `user.role in
    ...` belong in the policy alone; the enum's definition and its choices are allowed."""
    members = {m.name for m in Role}
    offences: list[str] = []
    for path in _python_sources():
        rel = path.relative_to(ROOT)
        tree = ast.parse(path.read_text(), filename=str(rel))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "Role"
                and node.attr in members
                and str(rel) != "openiop/accounts/models.py"
            ):
                offences.append(f"{rel}:{node.lineno} Role.{node.attr}")
            if isinstance(node, ast.Compare) and any(
                isinstance(side, ast.Attribute) and side.attr == "role"
                for side in [node.left, *node.comparators]
            ):
                offences.append(f"{rel}:{node.lineno} compares .role")
            if (
                isinstance(node, ast.keyword)
                and node.arg in ("role", "role__in")
                and isinstance(
                    node.value, (ast.Constant, ast.Set, ast.List, ast.Tuple, ast.Attribute)
                )
                and str(rel) != "openiop/accounts/models.py"
            ):
                offences.append(f"{rel}:{node.value.lineno} filters on a role outside the policy")
    assert offences == []


# --- minimum necessary on real pages ---------------------------------------------------------

CLINICAL_TABS = ("intake", "notes", "plan")


@pytest.mark.parametrize("who", ["frontdesk_a1", "billing_a1"])
@pytest.mark.parametrize("tab", CLINICAL_TABS)
def test_front_desk_and_billing_cannot_open_clinical_chart_tabs(
    client: Client, world: World, who: str, tab: str
) -> None:
    user = getattr(world, who)
    login(client, user)
    url = reverse("patients:chart_tab", args=[world.patient_a1.pk, tab])
    response = client.get(url)
    assert response.status_code == 403
    assert b"Bruno" not in response.content
    denial = AuditEvent.objects.filter(action="denied", username=who).last()
    assert denial is not None and denial.patient_id_value == world.patient_a1.pk


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("frontdesk_a1", ["Overview", "Schedule", "Attendance"], ["Intake", "Notes", "Plan"]),
        ("billing_a1", ["Overview", "Schedule", "Attendance"], ["Intake", "Notes", "Plan"]),
        ("counselor_a1", ["Overview", "Intake", "Notes", "Plan"], []),
    ],
)
def test_the_chart_lists_only_the_tabs_a_role_may_open(
    client: Client, world: World, who: str, shown: list[str], hidden: list[str]
) -> None:
    login(client, getattr(world, who))
    body = client.get(reverse("patients:chart", args=[world.patient_a1.pk])).content.decode()
    tabs = re.findall(r'<ul class="tabs".*?</ul>', body, re.S)[0]
    for label in shown:
        assert f">{label}</a>" in tabs
    for label in hidden:
        assert f">{label}</a>" not in tabs


@pytest.mark.parametrize("who", ["frontdesk_a1", "billing_a1"])
def test_front_desk_and_billing_cannot_read_screening_answers(
    client: Client, world: World, who: str
) -> None:
    screening = phq9(world, PHQ9_ITEM9)
    login(client, getattr(world, who))
    assert client.get(reverse("intake:screening", args=[screening.pk])).status_code == 403
    assert client.get(reverse("intake:safety_tasks")).status_code == 403
    assert AuditEvent.objects.filter(action="denied", username=who).count() == 2


@pytest.mark.parametrize("who", ["frontdesk_a1", "billing_a1"])
def test_front_desk_and_billing_cannot_read_care_records(
    client: Client, world: World, who: str
) -> None:
    login(client, getattr(world, who))
    pk = world.patient_a1.pk
    for url in (
        reverse("care:progress", args=[pk]),
        f"/api/v1/care/patients/{pk}/progress",
        reverse("care:dashboard"),
    ):
        assert client.get(url).status_code == 403, url


def test_billing_reads_attendance_and_hours_but_front_desk_records_check_in(
    client: Client, world: World
) -> None:
    pk = world.patient_a1.pk
    login(client, world.billing_a1)
    assert client.get(f"/api/v1/delivery/patients/{pk}/hours").status_code == 200
    assert client.get(reverse("patients:chart_tab", args=[pk, "attendance"])).status_code == 200
    assert client.get(reverse("delivery:today")).status_code == 200
    login(client, world.admin_a)
    assert client.get(reverse("delivery:today")).status_code == 403


def test_the_administrator_sets_up_but_reads_no_clinical_record(
    client: Client, world: World
) -> None:
    login(client, world.admin_a)
    assert client.get(reverse("organization:setup")).status_code == 200
    pk = world.patient_a1.pk
    for tab in CLINICAL_TABS:
        assert client.get(reverse("patients:chart_tab", args=[pk, tab])).status_code == 403


# --- emergency access: the same rule on every page and service ------------------------------


def test_an_emergency_grant_lets_its_holder_save_the_screening_form_as_care_does(
    client: Client, world: World
) -> None:
    from openiop.patients import services as patient_services

    user = world.intake_a1  # member of the emergency-access group, site A1 only
    patient = world.patient_a2
    login(client, user)
    url = reverse("intake:screening_new", args=[patient.pk, "phq9"])
    assert client.get(url).status_code == 404
    patient_services.break_glass_start(
        actor=user, mrn=patient.mrn, reason="crisis call from the family", hours=1
    )
    assert client.get(url).status_code == 200
    response = client.post(url, {f"item_{k}": str(v) for k, v in PHQ9_ZERO.items()})
    assert response.status_code in (200, 302), response.content[:500]
    from openiop.intake.models import ScreeningResponse

    saved = ScreeningResponse.objects.get(patient=patient, instrument="phq9")
    assert AuditEvent.objects.filter(
        patient_id_value=patient.pk, break_glass=True, object_id=str(saved.pk)
    ).exists()


def test_a_refusal_inside_a_rolled_back_service_is_still_audited(world: World) -> None:
    from openiop.intake.services import screening_record

    before = AuditEvent.objects.filter(action="denied").count()
    with pytest.raises(policy.Refused):
        screening_record(
            actor=world.billing_a1,
            patient=world.patient_a1,
            instrument_id="phq9",
            answers=PHQ9_ZERO,
        )
    assert AuditEvent.objects.filter(action="denied").count() == before + 1


def test_api_refusals_are_problem_details_with_their_media_type(
    client: Client, world: World
) -> None:
    login(client, world.billing_a1)
    response = client.get(f"/api/v1/care/patients/{world.patient_a1.pk}/progress")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "about:blank" and body["status"] == 403 and body["detail"]


def test_a_service_validation_error_reaches_the_api_client_as_a_problem() -> None:
    from django.core.exceptions import ValidationError

    from openiop.core.api import problem_exception_handler

    response = problem_exception_handler(ValidationError({"reason": ["Give a reason."]}), {})
    assert response is not None and response.status_code == 400
    assert response.data["errors"] == {"reason": ["Give a reason."]}


def test_every_app_writes_through_the_one_service_decorator() -> None:
    """One style of write path: `@service` (one transaction; refusal audits survive rollback)."""
    bare = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in (ROOT / "openiop").rglob("services.py")
        if "/tests/" not in str(p)
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if line.strip() == "@transaction.atomic"
    ]
    assert bare == []
