"""Broken 837 files: each problem names the claim (CLM01), the segment and its position."""

from __future__ import annotations

from openiop.domain.claims import Problem, validate, write_837i, write_837p
from openiop.domain.claims.tests.batches import institutional_batch, professional_batch


def _position(text: str, segment: str) -> int:
    return [s for s in text.split("~") if s].index(segment) + 1


def test_missing_subscriber_name_is_reported_on_its_claim() -> None:
    good = write_837p(professional_batch())
    text = good.replace("NM1*IL*1*ROE*SAM****MI*1EG4TE5MK72~", "")
    problems = validate(text)
    missing = [p for p in problems if "Subscriber Name" in p.message]
    assert missing
    assert {p.claim_id for p in missing} == {"IOP-2026-0002"}
    assert all(p.segment == "NM1" for p in missing)
    # the segments that can no longer be placed belong to the same claim
    assert any(p.segment == "DMG" and p.claim_id == "IOP-2026-0002" for p in problems)
    # and the first claim is untouched
    assert not any(p.claim_id == "IOP-2026-0001" for p in problems)


def test_wrong_se_count_names_the_trailer() -> None:
    good = write_837i(institutional_batch())
    se = next(s for s in good.split("~") if s.startswith("SE*"))
    count = int(se.split("*")[1])
    text = good.replace(se, f"SE*{count - 1}*0001")
    problems = validate(text)
    assert len(problems) == 1
    (problem,) = problems
    assert problem.segment == "SE"
    assert problem.claim_id is None
    assert problem.position == _position(text, f"SE*{count - 1}*0001")
    assert str(count) in problem.message


def test_bad_service_date_names_claim_segment_and_element() -> None:
    good = write_837i(institutional_batch())
    # the first claim's second line (3 March occurs only in that claim)
    assert good.count("DTP*472*D8*20260303~") == 1
    text = good.replace("DTP*472*D8*20260303~", "DTP*472*D8*20260231~")
    problems = validate(text)
    assert problems == [
        Problem(
            claim_id="IOP-2026-0101",
            segment="DTP",
            position=_position(text, "DTP*472*D8*20260231"),
            element="DTP03",
            code="8",
            message='Data element "Service Date" (DTP03) contains an invalid date (20260231)',
        )
    ]
    assert str(problems[0]).startswith("claim IOP-2026-0101, segment ")


def test_bad_date_in_the_medicare_claim() -> None:
    good = write_837i(institutional_batch())
    medicare_span = "DTP*434*RD8*20260302-20260306~CL1***30~HI*ABK:F1120"
    assert good.count(medicare_span) == 1
    text = good.replace(medicare_span, medicare_span.replace("20260302-", "20261302-"))
    problems = validate(text)
    assert problems
    assert {(p.claim_id, p.segment) for p in problems} == {("IOP-2026-0102", "DTP")}


def test_not_x12_at_all() -> None:
    (problem,) = validate("this is not a claim file")
    assert problem.segment == "ISA"
    assert problem.position == 1


def test_truncated_file_reports_missing_trailers() -> None:
    text = write_837p(professional_batch())
    problems = validate(text[: text.index("HL*2*")])
    assert {p.segment for p in problems} >= {"IEA", "GE"}


def test_an_interchange_without_a_group_is_a_problem_not_a_crash() -> None:
    isa = "ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*RRIOP001       *260309*1430*^*00501*000000901*0*T*:~"
    for body in ("ST*999*0001*005010X231A1~", "ST*277*0001*005010X214~"):
        problems = validate(isa + body)  # pyx12 itself raises AttributeError on this
        assert problems and problems[0].segment == "ISA"
