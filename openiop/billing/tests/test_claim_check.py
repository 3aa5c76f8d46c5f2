"""The check of claim files on the task queue: a build from the claims page leaves its files and
claims being checked, one task per file marks them ready or drafts with their problems, running
it again changes nothing, a check that cannot run leaves drafts that say so, and the build's
queries do not grow with the number of patients."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openiop.billing import services, tasks
from openiop.billing.models import Charge, Claim, ClaimEvent, ClaimFile, ClaimStatus
from openiop.billing.tests.claims_factories import MON, NOW, charges, patient, payer, provider
from openiop.core.models import AuditEvent
from openiop.core.testing_tasks import TaskResultStatus, results, run_tasks, statuses
from openiop.domain.claims import validate

SUN = MON + timedelta(days=6)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _build_in_background(world: Any, capture: Any) -> services.BuildResult:
    with capture(execute=True):
        return services.build_claims(
            actor=world.billing_a1,
            first_day=MON,
            last_day=SUN,
            signed_in=False,
            check_in_background=True,
        )


@pytest.fixture
def two_payers(world: Any) -> dict[str, Any]:
    provider(world.org_a)
    acme = payer(world.org_a, "professional", pid="ACME")
    medicare = payer(world.org_a, "both", medicare=True, pid="MCR")
    people = {"a": patient(world, acme), "b": patient(world, acme), "m": patient(world, medicare)}
    charges(world, people["a"], acme, 3)
    charges(world, people["b"], acme, 2)
    charges(world, people["m"], medicare, 4)
    return {"acme": acme, "medicare": medicare, **people}


def _state() -> list[tuple[Any, ...]]:
    claims = Claim.objects.order_by("pk").values_list("pk", "status", "problems")
    files = ClaimFile.objects.order_by("pk").values_list("pk", "status", "problems", "text")
    return [*claims, *files, ("events", ClaimEvent.objects.count())]


def test_a_build_from_the_page_leaves_files_being_checked_and_the_task_makes_them_ready(
    world: Any, two_payers: Any, django_capture_on_commit_callbacks: Any
) -> None:
    result = _build_in_background(world, django_capture_on_commit_callbacks)
    assert (result.claims, result.charges, len(result.files)) == (3, 9, 2)
    assert set(ClaimFile.objects.values_list("status", flat=True)) == {ClaimStatus.CHECKING}
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.CHECKING}
    # the claims are numbered and their charges are on them, with the amount billed
    for claim in Claim.objects.all():
        assert claim.control_number == f"OI{world.org_a.pk}-{claim.pk:07d}"
        assert claim.total == sum(c.billed_amount for c in claim.charges.all())
    assert not Charge.objects.filter(claim__isnull=True).exists()
    assert len(results(tasks.check_claim_file)) == 2  # one task per file

    run_tasks()

    assert statuses(tasks.check_claim_file) == [TaskResultStatus.SUCCESSFUL] * 2
    for f in ClaimFile.objects.all():
        assert f.status == ClaimStatus.READY and f.problems == [] and validate(f.text) == []
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.READY}
    moves = set(ClaimEvent.objects.values_list("from_status", "to_status", "source"))
    assert moves == {(ClaimStatus.CHECKING, ClaimStatus.READY, "build")}
    assert ClaimEvent.objects.count() == 3
    checked = AuditEvent.objects.filter(detail__startswith="claim file checked")
    assert checked.count() == 2


def test_a_claim_with_its_own_problem_is_a_draft_at_once_and_the_others_are_checked(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    provider(world.org_a)
    who = payer(world.org_a, "professional")
    ok, bad = patient(world, who), patient(world, who, diagnosis="")
    charges(world, ok, who)
    charges(world, bad, who)
    _build_in_background(world, django_capture_on_commit_callbacks)
    draft = Claim.objects.get(patient=bad)
    assert draft.status == ClaimStatus.DRAFT and "no diagnosis" in draft.problems[0]["message"]
    assert Claim.objects.get(patient=ok).status == ClaimStatus.CHECKING
    run_tasks()
    assert Claim.objects.get(patient=ok).status == ClaimStatus.READY
    assert Claim.objects.get(patient=bad).status == ClaimStatus.DRAFT
    assert ClaimFile.objects.get().status == ClaimStatus.READY


def test_a_file_with_a_validation_problem_names_the_claim(
    world: Any,
    two_payers: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from openiop.domain import claims as dcl

    real = dcl.validate

    def broken(text: str) -> list[dcl.Problem]:
        return real(text.replace("NM1*IL", "NM1*XX", 1))  # the first claim's subscriber

    _build_in_background(world, django_capture_on_commit_callbacks)
    monkeypatch.setattr(dcl, "validate", broken)
    run_tasks()
    for f in ClaimFile.objects.all():
        assert f.status == ClaimStatus.DRAFT and f.problems
        claims = list(f.claims.order_by("pk"))
        first = claims[0]
        assert first.status == ClaimStatus.DRAFT
        problem = first.problems[0]
        assert problem["claim"] == first.control_number
        assert problem["segment"] and problem["position"] > 1
        # the other claim of the file has no problem of its own: it is ready
        assert all(c.status == ClaimStatus.READY for c in claims[1:])
    assert set(ClaimEvent.objects.values_list("to_status", flat=True)) == {
        ClaimStatus.DRAFT,
        ClaimStatus.READY,
    }


def test_an_envelope_problem_keeps_every_claim_of_the_file_a_draft(
    world: Any,
    two_payers: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from openiop.domain import claims as dcl

    def envelope_only(text: str) -> list[dcl.Problem]:
        return [dcl.Problem(None, "GE", 40, None, "5", "Number of included sets is wrong")]

    _build_in_background(world, django_capture_on_commit_callbacks)
    monkeypatch.setattr(dcl, "validate", envelope_only)
    run_tasks()
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.DRAFT}
    for claim in Claim.objects.all():
        assert [p["segment"] for p in claim.problems] == ["GE"]


def test_checking_a_file_twice_changes_nothing(
    world: Any, two_payers: Any, django_capture_on_commit_callbacks: Any
) -> None:
    result = _build_in_background(world, django_capture_on_commit_callbacks)
    run_tasks()
    before = _state()
    audits = AuditEvent.objects.count()
    for f in result.files:
        said = tasks.check_claim_file.call(claim_file_id=f.pk)
        assert said == f"file {f.pk}: skipped, not being checked"
        assert services.claim_file_check(claim_file_id=f.pk) is None
        assert services.claim_file_check_give_up(claim_file_id=f.pk) is None
    assert _state() == before and AuditEvent.objects.count() == audits


def test_a_check_that_cannot_run_leaves_drafts_that_say_so(
    world: Any,
    two_payers: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = _build_in_background(world, django_capture_on_commit_callbacks)

    def down(**kwargs: Any) -> None:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(services, "claim_file_check", down)
    target = result.files[0].pk
    with pytest.raises(ConnectionError):
        tasks.check_claim_file.call(claim_file_id=target, attempt=tasks.CHECK_ATTEMPTS)
    failed = ClaimFile.objects.get(pk=target)
    assert failed.status == ClaimStatus.DRAFT
    assert "could not be checked" in failed.problems[-1]["message"]
    for claim in failed.claims.all():
        assert claim.status == ClaimStatus.DRAFT
        assert "could not be checked" in claim.problems[-1]["message"]
    other = ClaimFile.objects.exclude(pk=target).get()
    assert other.status == ClaimStatus.CHECKING  # its own task is still to run


def test_an_earlier_attempt_that_fails_is_retried(
    world: Any,
    two_payers: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = _build_in_background(world, django_capture_on_commit_callbacks)
    real = services.claim_file_check
    calls: list[int] = []

    def flaky(*, claim_file_id: int) -> Any:
        calls.append(claim_file_id)
        if len(calls) == 1:
            raise ConnectionError("the database went away")
        return real(claim_file_id=claim_file_id)

    monkeypatch.setattr(services, "claim_file_check", flaky)
    target = result.files[0].pk
    with pytest.raises(ConnectionError):
        tasks.check_claim_file.call(claim_file_id=target)
    assert ClaimFile.objects.get(pk=target).status == ClaimStatus.CHECKING
    retries = [r for r in results(tasks.check_claim_file, claim_file_id=target)]
    assert [int(r.args_kwargs["kwargs"].get("attempt", 1)) for r in retries] == [1, 2]
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        run_tasks()
    assert ClaimFile.objects.get(pk=target).status == ClaimStatus.READY


def _queries_to_build(world: Any, who: Any, n: int, capture: Any) -> int:
    for _ in range(n):
        charges(world, patient(world, who), who, 3)
    with CaptureQueriesContext(connection) as queries:
        built = _build_in_background(world, capture)
    assert built.claims == n
    return len(queries)


def test_the_builds_queries_do_not_grow_with_the_patients(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    provider(world.org_a)
    who = payer(world.org_a, "professional", pid="ACME")
    few = _queries_to_build(world, who, 3, django_capture_on_commit_callbacks)
    many = _queries_to_build(world, who, 12, django_capture_on_commit_callbacks)
    assert many == few


def test_the_claims_page_says_claims_are_being_checked_until_the_task_ran(
    client: Any, world: Any, two_payers: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.urls import reverse

    from openiop.core.testing import login

    login(client, world.billing_a1)
    with django_capture_on_commit_callbacks(execute=True):
        built = client.post(
            reverse("billing:claims_build"), {"first_day": str(MON), "last_day": str(SUN)}
        )
    assert built.status_code == 302
    page = client.get(built["Location"])
    said = " ".join(str(m) for m in page.context["messages"])
    assert "3 claims built from 9 charges in 2 files" in said and "being checked" in said
    text = page.content.decode()
    assert "3 claims are being checked" in text and text.count("Being checked") == 3
    claim = Claim.objects.order_by("pk").first()
    assert claim is not None
    detail = client.get(reverse("billing:claim", args=[claim.pk])).content.decode()
    assert "its file is being checked" in detail
    run_tasks()
    text = client.get(built["Location"]).content.decode()
    assert "being checked" not in text and text.count("Ready to send") == 3
