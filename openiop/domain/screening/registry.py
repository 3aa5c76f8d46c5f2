"""The registry of instruments and the public entry points: `score`, `applicable`,
`requires_urgent_safety_task`.

Urgent safety: a PHQ-9 item 9 above zero or a C-SSRS high-risk screen creates an
urgent safety task for a clinician and shows crisis guidance (988). The flags that do so are those
defined with `urgent=True` (`suicidal_ideation`, `cssrs_high_risk`); this module only reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from openiop.domain.screening.alcohol import AUDIT, AUDIT_C
from openiop.domain.screening.drugs import CRAFFT, DAST10
from openiop.domain.screening.eating import SCOFF
from openiop.domain.screening.engine import evaluate
from openiop.domain.screening.model import Instrument, ScoreResult, UnknownInstrument
from openiop.domain.screening.monitoring import BAM
from openiop.domain.screening.mood import GAD7, PHQ9
from openiop.domain.screening.social import AHC_HRSN
from openiop.domain.screening.suicide import CSSRS
from openiop.domain.screening.trauma import PCL5
from openiop.domain.screening.withdrawal import CIWA_AR, COWS

INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType(
    {
        instrument.id: instrument
        for instrument in (
            PHQ9,
            GAD7,
            AUDIT,
            AUDIT_C,
            DAST10,
            CRAFFT,
            SCOFF,
            PCL5,
            CSSRS,
            CIWA_AR,
            COWS,
            BAM,
            AHC_HRSN,
        )
    }
)

URGENT_FLAGS: frozenset[str] = frozenset(
    flag.code for instrument in INSTRUMENTS.values() for flag in instrument.flags if flag.urgent
)


_FLAGS: Mapping[str, str] = MappingProxyType(
    {
        flag.code: f"{instrument.edition.split(' (')[0].split(',')[0].split(' - ')[0]}: {flag.label}"
        for instrument in INSTRUMENTS.values()
        for flag in instrument.flags
    }
)


# Safety-task reasons that are no instrument's flag (program policy): raised by the patient in
# the portal's daily check-in, which is the program's own questionnaire, not a scored instrument.
TASK_FLAGS: Mapping[str, str] = MappingProxyType(
    {"portal_need_to_talk": "Asked in the portal's daily check-in to talk to someone today"}
)


def flag_label(code: str) -> str:
    """What a clinician reads for a stored flag code: "PHQ-9: Item 9 positive: immediate ..."."""
    return _FLAGS.get(code) or TASK_FLAGS.get(code) or code.replace("_", " ")


def get_instrument(instrument_id: object) -> Instrument:
    """The instrument with this id, or `UnknownInstrument`."""
    if isinstance(instrument_id, str) and instrument_id in INSTRUMENTS:
        return INSTRUMENTS[instrument_id]
    raise UnknownInstrument(instrument_id, tuple(INSTRUMENTS))


def score(
    instrument_id: str,
    answers: Mapping[str, object],
    *,
    settings: Mapping[str, int] | None = None,
    allow_incomplete: bool = False,
) -> ScoreResult:
    """Score `answers` (see `model` for the encoding) with the instrument `instrument_id`.

    Raises `UnknownInstrument`, or `InvalidAnswers` naming every missing, unknown, out-of-range,
    wrongly typed or skip-logic-contradicting item. `settings` overrides the instrument's
    configurable thresholds for a program (unknown or out-of-range ones raise ValueError).
    With `allow_incomplete=True`, missing answers (only) give a result with `complete=False`,
    no total and no band, and only the flags the given answers prove.
    """
    return evaluate(
        get_instrument(instrument_id),
        answers,
        settings=settings,
        allow_incomplete=allow_incomplete,
    )


def requires_urgent_safety_task(result: ScoreResult) -> bool:
    """True if the result carries an urgent safety flag (PHQ-9 item 9 > 0, C-SSRS high risk).

    Source: PHQ-9 item 9 per MII PRO IG; C-SSRS high risk per Columbia's triage points.
    """
    return any(flag in URGENT_FLAGS for flag in result.flags)


def applicable(instrument_id: str, age: int) -> bool:
    """Whether the instrument is offered at this age (CRAFFT: 12 to 21 inclusive, crafft.org).

    Instruments without a published age range are applicable at any age; the clinician decides.
    """
    instrument = get_instrument(instrument_id)
    if isinstance(age, bool) or not isinstance(age, int) or age < 0:
        raise ValueError(f"age must be a non-negative whole number, got {age!r}")
    if instrument.min_age is not None and age < instrument.min_age:
        return False
    return instrument.max_age is None or age <= instrument.max_age
