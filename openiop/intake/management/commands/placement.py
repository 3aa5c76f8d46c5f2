"""`openiop placement recommend --input FILE.json`: a level of care proposed from the evidence.

The input is one JSON object (``-`` reads it from standard input)::

    {"age": 34,
     "screenings": {"audit": {"1": 4, "2": 3, ...}, "ciwa-ar": {"total": 6}},
     "facts": {"must_work_or_study": true, "supportive_home": true, "stable_housing": true,
               "withdrawal_seizure_history": false, "withdrawal_delirium_history": false,
               "prior_treatment_episodes": 0}}

Each screening is either the answers in the `openiop score` format (scored by the same engine)
or ``{"total": N}``. Every fact is optional; a fact left out (or ``null``) is unknown, never "no".
On success one JSON object is printed and the exit status is 0::

    {"level": "2.1", "withdrawal_management_first": false, "urgent_evaluation": false,
     "adolescent": false, "dimensions": {"1": {"rating": 1, "evidence": [...]}, ...},
     "reasons": [{"text": ..., "source": ...}]}

``rating`` is ``null`` for a dimension no evidence speaks to (a clinician rates it). Bad input
(unreadable file, malformed JSON, a repeated key, unknown keys, an age that is not a whole number
of years, wrong types, an unknown instrument, answers the scorer refuses) prints every problem to
stderr and exits with status 2. The program policy is the default one (docs/placement.md); all
rules live in `openiop.domain.placement` and `openiop.domain.screening`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser

from openiop.domain.placement import (
    Evidence,
    PersonFacts,
    PlacementInputError,
    PlacementPolicy,
    Proposal,
    ScoredScreen,
    recommend_from_evidence,
    scored_from_total,
)
from openiop.domain.placement.evidence import FACT_NAMES
from openiop.domain.screening import INSTRUMENTS, InvalidAnswers, score
from openiop.intake.management.commands.score import (
    EXIT_INVALID,
    _DuplicateKeys,
    _json_kind,
    _refuse_duplicates,
)

TOP_KEYS = ("age", "screenings", "facts")
INT_FACTS = frozenset({"prior_treatment_episodes"})


class BadInput(ValueError):
    """The input is refused; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def parse(data: object) -> Evidence:
    """The evidence in an input object, or `BadInput` naming every problem."""
    if not isinstance(data, dict):
        raise BadInput([f"the input must be a JSON object, got {_json_kind(data)}"])
    problems: list[str] = []
    for key in data:
        if key not in TOP_KEYS:
            problems.append(f"unknown key {key!r}; expected {', '.join(TOP_KEYS)}")
    age = data.get("age")
    if "age" not in data or age is None:
        problems.append("age is required: a whole number of years")
    elif isinstance(age, bool) or not isinstance(age, int):
        problems.append(f"age must be a whole number of years, got {json.dumps(age)}")
    elif not 0 <= age <= 130:
        problems.append(f"age must be 0-130 years, got {age}")
    screens = _screens(data.get("screenings", {}), problems)
    facts = _facts(data.get("facts", {}), problems)
    if problems:
        raise BadInput(problems)
    assert isinstance(age, int) and facts is not None
    return Evidence(age=age, screens=screens, facts=facts)


def _screens(value: object, problems: list[str]) -> dict[str, ScoredScreen]:
    if not isinstance(value, dict):
        problems.append(f"screenings must be an object, got {_json_kind(value)}")
        return {}
    screens: dict[str, ScoredScreen] = {}
    for instrument_id, given in value.items():
        if instrument_id not in INSTRUMENTS:
            problems.append(
                f"unknown instrument {instrument_id!r}; known: {', '.join(INSTRUMENTS)}"
            )
            continue
        if not isinstance(given, dict):
            problems.append(
                f"screenings.{instrument_id} must be an object (the answers, or "
                f'{{"total": N}}), got {_json_kind(given)}'
            )
            continue
        try:
            if set(given) == {"total"}:
                screens[instrument_id] = scored_from_total(instrument_id, given["total"])
            else:
                screens[instrument_id] = ScoredScreen.from_result(score(instrument_id, given))
        except InvalidAnswers as exc:
            problems.append(str(exc))
        except PlacementInputError as exc:
            problems.append(str(exc))
    return screens


def _facts(value: object, problems: list[str]) -> PersonFacts | None:
    if not isinstance(value, dict):
        problems.append(f"facts must be an object, got {_json_kind(value)}")
        return None
    known: dict[str, Any] = {}
    for name, given in value.items():
        if name not in FACT_NAMES:
            problems.append(f"unknown fact {name!r}; known facts: {', '.join(FACT_NAMES)}")
        elif given is None:
            continue  # not known
        elif name in INT_FACTS:
            if isinstance(given, bool) or not isinstance(given, int) or given < 0:
                problems.append(
                    f"{name} must be a whole number, 0 or more, got {json.dumps(given)}"
                )
            else:
                known[name] = given
        elif not isinstance(given, bool):
            problems.append(f"{name} must be true or false, got {json.dumps(given)}")
        else:
            known[name] = given
    return PersonFacts(**known)


def recommendation_json(
    evidence: Evidence, policy: PlacementPolicy | None = None
) -> dict[str, Any]:
    """The printed result (see the module docstring)."""
    policy = policy or PlacementPolicy()
    proposal, rec = recommend_from_evidence(evidence, policy)
    return {
        "level": rec.level.value,
        "withdrawal_management_first": rec.withdrawal_management_first,
        "urgent_evaluation": rec.urgent_evaluation,
        "adolescent": evidence.age < policy.adult_age,
        "dimensions": _dimensions(proposal),
        "reasons": [{"text": r.text, "source": r.source} for r in rec.reasons],
    }


def _dimensions(proposal: Proposal) -> dict[str, dict[str, Any]]:
    return {
        str(int(d.dimension)): {
            "rating": d.rating,
            "evidence": [
                item.text if item.rating is None else f"{item.text} (rating {item.rating})"
                for item in d.evidence
            ],
        }
        for d in proposal.dimensions
    }


class Command(BaseCommand):
    help = (
        "placement recommend --input FILE.json: propose each ASAM dimension's rating from "
        "screenings and facts and print the level of care as JSON. Exit status 2 on bad input."
    )
    requires_system_checks: list[str] = []  # pure computation: no database, no checks

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="subcommand", required=True, metavar="recommend")
        recommend = actions.add_parser(
            "recommend", help="recommend a level of care from the evidence in a JSON file"
        )
        recommend.add_argument(
            "--input", required=True, help="JSON file with age, screenings and facts (- = stdin)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["input"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self._fail(f"cannot read {source}: {getattr(exc, 'strerror', None) or exc}")
        try:
            data = json.loads(text, object_pairs_hook=_refuse_duplicates)
        except json.JSONDecodeError as exc:
            self._fail(f"{source} is not valid JSON: {exc}")
        except _DuplicateKeys as exc:
            self._fail(f"{source} names a key more than once: {exc}")
        try:
            evidence = parse(data)
        except BadInput as exc:
            self._fail("\n".join(exc.problems))
        except PlacementInputError as exc:
            self._fail(str(exc))
        self.stdout.write(json.dumps(recommendation_json(evidence)))

    def _fail(self, message: str) -> NoReturn:
        self.stderr.write(message)
        raise SystemExit(EXIT_INVALID)
