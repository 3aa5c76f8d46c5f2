"""Claims from ready charges (837P/837I), the claims command, and posting an 835."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from openiop.billing import services
from openiop.billing.models import (
    Adjustment,
    Charge,
    Claim,
    ClaimFile,
    ClaimStatus,
    Payment,
    Remittance,
)
from openiop.billing.remit_text import RemitClaim, RemitLine, write_835
from openiop.billing.tests.claims_factories import MON, NOW, charges, patient, payer, provider
from openiop.domain.claims import validate

D = Decimal
SUN = MON + timedelta(days=6)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _build(world: Any) -> services.BuildResult:
    return services.build_claims(
        actor=world.billing_a1, first_day=MON, last_day=SUN, signed_in=False
    )


@pytest.fixture
def setup(world: Any) -> dict[str, Any]:
    provider(world.org_a)
    commercial = payer(world.org_a, "professional", pid="ACME")
    medicare = payer(world.org_a, "both", medicare=True, pid="MCR")
    both = payer(world.org_a, "both", pid="BOTH")
    people = {}
    for key, who, days in (("a", commercial, 3), ("b", commercial, 2), ("m", medicare, 4)):
        people[key] = patient(world, who)
        charges(world, people[key], who, days)
    people["c"] = patient(world, both)
    charges(world, people["c"], both, 1)
    return {"commercial": commercial, "medicare": medicare, "both": both, **people}


def test_claims_are_grouped_by_payer_and_type_and_files_validate(world: Any, setup: Any) -> None:
    result = _build(world)
    assert (result.claims, result.charges) == (4, 10)
    assert result.total_billed == D("162.50") * 10
    kinds = {(f.payer.payer_id, f.kind, f.claims.count()) for f in result.files}
    assert kinds == {
        ("ACME", "professional", 2),
        ("MCR", "institutional", 1),  # "both" and Medicare: institutional
        ("BOTH", "professional", 1),  # "both" otherwise: professional
    }
    for f in result.files:
        assert f.status == ClaimStatus.READY and validate(f.text) == []
        assert ("SV2*0906" in f.text) == (f.kind == "institutional")
        assert ("SV1*HC:H0015" in f.text) == (f.kind == "professional")
    assert "HI*BG:92" in ClaimFile.objects.get(kind="institutional").text
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.READY}
    assert not Charge.objects.filter(claim__isnull=True).exists()
    claim = Claim.objects.get(patient=setup["a"])
    assert claim.total == D("487.50") and claim.charges.count() == 3


def test_a_charge_is_never_on_two_claims(world: Any, setup: Any) -> None:
    _build(world)
    again = _build(world)
    assert (again.claims, again.charges, again.files) == (0, 0, [])
    assert Claim.objects.count() == 4


def test_a_claim_with_missing_data_stays_a_draft_and_names_the_problem(world: Any) -> None:
    provider(world.org_a)
    who = payer(world.org_a, "professional")
    ok, bad = patient(world, who), patient(world, who, diagnosis="")
    charges(world, ok, who)
    charges(world, bad, who)
    _build(world)
    good, draft = Claim.objects.get(patient=ok), Claim.objects.get(patient=bad)
    assert good.status == ClaimStatus.READY
    assert draft.status == ClaimStatus.DRAFT
    assert "no diagnosis" in draft.problems[0]["message"]
    assert validate(ClaimFile.objects.get().text) == []


def test_validation_problems_keep_the_claim_draft_with_claim_and_segment(
    world: Any, setup: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openiop.domain import claims as dcl

    real = dcl.validate

    def broken(text: str) -> list[dcl.Problem]:
        return real(text.replace("NM1*IL", "NM1*XX", 1))

    monkeypatch.setattr(dcl, "validate", broken)
    result = _build(world)
    drafts = Claim.objects.filter(status=ClaimStatus.DRAFT)
    assert drafts.exists() and any(f.status == ClaimStatus.DRAFT for f in result.files)
    problem = drafts.first().problems[0]  # type: ignore[union-attr]
    assert problem["claim"] and problem["segment"] and problem["position"] > 1


def test_no_billing_provider_or_fee_is_a_validation_error(world: Any) -> None:
    with pytest.raises(ValidationError, match="billing provider"):
        _build(world)
    bp = provider(world.org_a)
    who = payer(world.org_a, "professional")
    charges(world, patient(world, who), who, code="S9480")
    bp.fees = {}
    bp.save()
    with pytest.raises(ValidationError, match="S9480"):
        _build(world)
    assert not Claim.objects.exists() and not ClaimFile.objects.exists()


# The command.


def _command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("billing", "claims", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_command_writes_one_file_per_payer_and_type(world: Any, setup: Any, tmp_path: Path) -> None:
    code, out, _ = _command(
        "--from", str(MON), "--to", str(SUN), "-o", str(tmp_path), "--organization", "Org A"
    )
    assert code == 0
    report = json.loads(out)
    assert (report["claims"], report["charges"], report["total_billed"]) == (4, 10, "1625.00")
    assert len(report["files"]) == 3
    for f in report["files"]:
        text = Path(f["file"]).read_text()
        assert validate(text) == [] and f["status"] == "ready"


def test_command_checks_each_file_itself_and_queues_no_check(
    world: Any, setup: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    from openiop.billing.models import ClaimEvent
    from openiop.billing.tasks import check_claim_file
    from openiop.core.testing_tasks import results

    with django_capture_on_commit_callbacks(execute=True):
        code, out, _ = _command(
            "--from", str(MON), "--to", str(SUN), "-o", str(tmp_path), "--organization", "Org A"
        )
    assert code == 0 and results(check_claim_file) == []
    assert {f["status"] for f in json.loads(out)["files"]} == {"ready"}
    moves = list(ClaimEvent.objects.values_list("from_status", "to_status"))
    assert moves == [(ClaimStatus.CHECKING, ClaimStatus.READY)] * 4


@pytest.mark.parametrize(
    "args",
    [
        ("--from", "2026-13-01", "--to", "2026-11-08"),
        ("--from", "2026-11-08", "--to", "2026-11-01"),
        ("--from", "yesterday", "--to", "2026-11-08"),
    ],
)
def test_command_refuses_bad_dates(world: Any, tmp_path: Path, args: tuple[str, ...]) -> None:
    code, out, err = _command(*args, "-o", str(tmp_path), "--organization", "Org A")
    assert code == 2 and out == "" and ("--from" in err or "--to" in err)


def test_command_refuses_an_unwritable_dir(world: Any, tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    code, _, err = _command(
        "--from", str(MON), "--to", str(SUN), "-o", str(missing), "--organization", "Org A"
    )
    assert (code == 2 and "cannot write" in err) or "not a directory" in err
    assert not Claim.objects.exists()


# Remittances.


def _remit(claims: list[Claim], *, deny: Claim | None = None, trace: str = "CHK1") -> str:
    out = []
    for c in claims:
        lines = []
        for ch in c.charges.order_by("service_date"):
            amount = ch.billed_amount or D("0")
            if c == deny:
                lines.append(
                    RemitLine(ch.service_date, ch.code, amount, D("0"), (("CO", "50", amount),))
                )
            else:
                lines.append(
                    RemitLine(
                        ch.service_date,
                        ch.code,
                        amount,
                        amount - D("32.50") - D("10.01"),
                        (("PR", "2", D("32.50")), ("CO", "45", D("10.01"))),
                        ("N381",),
                    )
                )
        out.append(
            RemitClaim(
                c.control_number,
                "4" if c == deny else "1",
                c.patient.last_name.upper(),
                c.patient.first_name.upper(),
                "W123456789",
                tuple(lines),
            )
        )
    return write_835(
        out,
        trace=trace,
        paid_on=MON + timedelta(days=20),
        payer_name="PAYER ACME",
        payee_name="EXAMPLE RECOVERY IOP",
        payee_npi="1234567893",
    )


def _post(world: Any, text: str) -> Remittance:
    return services.post_remittance(actor=world.billing_a1, text=text, signed_in=False)


def test_posting_balances_to_the_cent_and_lists_the_denial_in_words(world: Any, setup: Any) -> None:
    _build(world)
    acme = list(Claim.objects.filter(payer=setup["commercial"]).order_by("pk"))
    text = _remit(acme, deny=acme[1])
    remittance = _post(world, text)
    paid, denied = Claim.objects.get(pk=acme[0].pk), Claim.objects.get(pk=acme[1].pk)
    assert (paid.status, denied.status) == (ClaimStatus.PAID, ClaimStatus.DENIED)
    assert paid.paid == D("487.50") - 3 * D("42.51") and paid.patient_responsibility == D("97.50")
    adjustments = sum(Adjustment.objects.values_list("amount", flat=True), D("0"))
    payments = sum(Payment.objects.values_list("paid", flat=True), D("0"))
    charged = sum(Payment.objects.values_list("charge", flat=True), D("0"))
    assert charged - adjustments == payments == remittance.payment
    from openiop.billing.selectors import denials

    [row] = denials(world.billing_a1)
    assert row.claim == denied
    assert row.reasons[0].words.startswith("Contractual obligation: These are non-covered")


def test_a_malformed_835_imports_nothing(world: Any, setup: Any) -> None:
    _build(world)
    acme = list(Claim.objects.filter(payer=setup["commercial"]))
    text = _remit(acme).replace("SVC*HC", "SVC*ZZ", 1)
    for bad in (text, "not an 835 at all", _remit(acme)[:200]):
        with pytest.raises(ValidationError, match="cannot be read"):
            _post(world, bad)
    assert not Remittance.objects.exists() and not Payment.objects.exists()
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.READY}


def test_a_partly_matching_835_imports_nothing(world: Any, setup: Any) -> None:
    _build(world)
    acme = list(Claim.objects.filter(payer=setup["commercial"]))
    text = _remit(acme).replace(acme[1].control_number, "NOT-OURS-9")
    with pytest.raises(ValidationError, match="NOT-OURS-9 in the file is not one of ours"):
        _post(world, text)
    assert not Remittance.objects.exists() and not Adjustment.objects.exists()
    assert Claim.objects.filter(status=ClaimStatus.PAID).count() == 0


def test_the_same_payment_is_not_posted_twice(world: Any, setup: Any) -> None:
    _build(world)
    acme = list(Claim.objects.filter(payer=setup["commercial"]))
    _post(world, _remit(acme))
    with pytest.raises(ValidationError, match="already been posted"):
        _post(world, _remit(acme))
    assert Remittance.objects.count() == 1
