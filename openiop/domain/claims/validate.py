"""Validate X12 837 text against the 005010 implementation guide maps bundled with pyx12.

pyx12 (BSD, https://github.com/azoner/pyx12) walks the file against its map of the guide
(`837.5010.X222.A1.xml` for the 837P, `837Q3.I.5010.X223.A1.xml` for GS08 = 005010X223A2),
checking the envelope counts and control numbers, loop and segment order and repeats, required
elements, code values and data types, the same checks a 999 acknowledgment reports
(ASC X12C/005010X231A1, "Implementation Acknowledgment (999)").
`validate` runs `pyx12.x12n_document.x12n_document` with its JSON error report and turns each
error into a `Problem` naming the claim (CLM01), the segment id and its position in the file.

pyx12 reads no network and no clock; it only loads its bundled maps.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyx12.errors
import pyx12.params
import pyx12.x12n_document


@dataclass(frozen=True)
class Problem:
    """One validation error.

    `claim_id` is the CLM01 of the claim whose subscriber or claim loop holds the segment (None
    for the envelope and header); `segment` the segment id ("NM1", "SE"); `position` the
    segment's ordinal in the file, counting from 1 at ISA; `element` e.g. "DTP03" when the error
    is in one element; `code` pyx12's error code (the 999 IK3/IK4 codes); `message` its text.
    """

    claim_id: str | None
    segment: str
    position: int
    element: str | None
    code: str
    message: str

    def __str__(self) -> str:
        where = f"claim {self.claim_id}, " if self.claim_id else ""
        element = f" {self.element}" if self.element else ""
        return f"{where}segment {self.position} {self.segment}{element}: {self.message}"


@dataclass(frozen=True)
class _Segment:
    seg_id: str
    claim_id: str | None


def _segments(text: str) -> list[_Segment]:
    """Each segment of the file (position = index + 1) with the claim it belongs to.

    A claim owns its subscriber loop (from its HL*22) and the claim loop; a segment before the
    first HL*22 or after the last claim's lines (SE, GE, IEA) belongs to none.
    """
    if len(text) < 106 or not text.startswith("ISA"):
        return []
    seg_term, ele_term = text[105], text[3]
    raw = [s.strip() for s in text.split(seg_term)]
    raw = [s for s in raw if s]
    fields = [s.split(ele_term) for s in raw]
    owner: list[str | None] = [None] * len(fields)
    start: int | None = None
    trailer = ("SE", "GE", "IEA", "ST", "GS", "ISA")

    def close(end: int) -> None:
        if start is None:
            return
        claim = next((f[1] for f in fields[start:end] if f[0] == "CLM" and len(f) > 1), None)
        for i in range(start, end):
            owner[i] = claim

    for i, f in enumerate(fields):
        is_subscriber_hl = f[0] == "HL" and len(f) > 3 and f[3] == "22"
        if is_subscriber_hl or f[0] in trailer:
            close(i)
            start = i if is_subscriber_hl else None
    close(len(fields))
    return [_Segment(f[0], owner[i]) for i, f in enumerate(fields)]


def _walk(doc: dict[str, Any]) -> Iterator[tuple[str | None, int, str | None, str, str]]:
    """(segment id or None, line, element, code, message) for every error in the JSON report."""
    for isa in doc.get("interchanges", []):
        for err in isa["errors"]:
            yield (
                "IEA" if "IEA" in err["err_str"] else "ISA",
                isa["cur_line"],
                None,
                err["err_cde"],
                err["err_str"],
            )
        for gs in isa["groups"]:
            for err in gs["errors"]:
                yield "GE", gs["cur_line"], None, err["err_cde"], err["err_str"]
            for st in gs["transactions"]:
                for err in st["errors"]:
                    yield None, st["cur_line"], None, err["err_cde"], err["err_str"]
                for seg in st["segments"]:
                    for err in seg["errors"]:
                        yield seg["seg_id"], seg["cur_line"], None, err["err_cde"], err["err_str"]
                    for ele in seg["elements"]:
                        pos = (
                            f"{seg['seg_id']}{int(ele['ele_pos']):02d}" if ele["ele_pos"] else None
                        )
                        for err in ele["errors"]:
                            yield (
                                seg["seg_id"],
                                seg["cur_line"],
                                pos,
                                err["err_cde"],
                                err["err_str"],
                            )


def validate(text: str) -> list[Problem]:
    """Check 837 text against the 005010 guide maps; an empty list means valid.

    Raises nothing for bad input: text that is not X12 at all is one Problem at position 1.
    """
    segments = _segments(text)
    report = io.StringIO()
    params = pyx12.params.ParamsBase()
    logger = logging.getLogger("pyx12")
    level, propagate = logger.level, logger.propagate
    capture = _Capture()
    first_invalid: list[tuple[int, str]] = []

    def watch(seg: Any, src: Any, node: Any, valid: bool) -> None:
        if not valid and not first_invalid:
            first_invalid.append((src.get_cur_line(), seg.get_seg_id()))

    # pyx12 logs every error; keep them (some, e.g. on ST, are not in its JSON report)
    logger.setLevel(logging.ERROR)
    logger.propagate = False
    logger.addHandler(capture)
    try:
        ok = pyx12.x12n_document.x12n_document(
            params, io.StringIO(text), None, None, fd_json=report, callback=watch
        )
    except (pyx12.errors.X12Error, pyx12.errors.EngineError) as exc:
        return [Problem(None, "ISA", 1, None, "X12", str(exc))]
    except Exception:  # pyx12 fails with AttributeError etc. on some broken files
        return [Problem(None, "ISA", 1, None, "X12", "the file is not a complete X12 interchange")]
    finally:
        logger.removeHandler(capture)
        logger.setLevel(level)
        logger.propagate = propagate
    raw = report.getvalue()
    if not raw:
        return [] if ok else [Problem(None, "ISA", 1, None, "X12", "not an X12 interchange")]
    problems: list[Problem] = []
    for seg_id, line, element, code, message in _walk(json.loads(raw)):
        index = min(max(line, 1), len(segments)) - 1 if segments else 0
        found = segments[index] if segments else None
        name = seg_id or (found.seg_id if found else "ST")
        claim = found.claim_id if found else None
        problems.append(Problem(claim, name, line, element, str(code), message))
    if not ok and not problems:
        line, seg_id = first_invalid[0] if first_invalid else (1, "ISA")
        message = next(
            (m.split(" - ", 1)[-1] for m in capture.messages if m.startswith(f"Line:{line} ")),
            "invalid X12 interchange",
        )
        claim = segments[line - 1].claim_id if 0 < line <= len(segments) else None
        problems.append(Problem(claim, seg_id, line, None, "X12", message))
    return problems


class _Capture(logging.Handler):
    """Collects pyx12's error log lines ("Line:3 ELE:10 - message") during one validation."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
