"""`openiop schedule solve|validate|generate|advise`: the weekly scheduling command-line contract.

The contract other tools call (the iop-week/1 format):

- ``solve INSTANCE.json [-o SOLUTION.json] [--time-limit S] [--workers N] [--seed N]`` writes an
  iop-week-solution/1 document whose ``stats`` hold solver, seconds, status, shortfall_hours,
  lower_bound, gap and, for each patient below their minimum, ``shortfalls`` with the reason.
- ``validate INSTANCE.json SOLUTION.json`` prints a JSON report (valid, errors, shortfall_hours,
  patients_meeting_minimum, groups, counselor_hours); exit status 0 when valid, 1 when not.
- ``generate --patients N --seed S [--sites K] [--no-plant] [--planted FILE]`` prints an instance.
- ``advise INSTANCE.json [--solution SOLUTION.json] [--limit N] [--top N] [--time-limit S]``
  prints what would close the shortfall (``openiop.domain.scheduling.advise``) as JSON: the
  shortfall, and for each change its kind, description, the changed rooms, counselors or
  groups, shortfall before and after (a what-if), patients helped and rank. Without
  ``--solution`` the week is first scheduled by the greedy solver (the same on any machine),
  or by CP-SAT (seed 0, one worker) when ``--time-limit`` is given.

Bad input (a missing file, malformed JSON, unknown ids, contradictory data) prints a message
naming the offending entries to stderr and exits with status 2. All logic lives in
``openiop.domain.scheduling``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser

from openiop.domain.scheduling import (
    FormatError,
    Problem,
    generate,
    greedy,
    parse_problem,
    parse_solution,
    problem_to_dict,
    solution_to_dict,
    solve,
    validate,
)
from openiop.domain.scheduling.advise import DEFAULT_LIMIT, DEFAULT_TOP, advise

EXIT_INVALID_SOLUTION = 1
EXIT_BAD_INPUT = 2


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Refuse a JSON object repeating a key: json.loads would silently keep the last value."""
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"a JSON object repeats the key(s) {', '.join(repeated)}")
    return dict(pairs)


class Command(BaseCommand):
    help = (
        "Weekly IOP schedules (iop-week/1): solve an instance, validate a solution, generate one,"
        " advise what would close a shortfall."
    )
    requires_system_checks: list[str] = []  # pure computation: no database, no checks

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        solve_ = sub.add_parser("solve", help="solve an iop-week/1 instance")
        solve_.add_argument("instance", help="iop-week/1 problem JSON")
        solve_.add_argument("-o", "--output", help="write the solution here instead of stdout")
        solve_.add_argument("--time-limit", type=float, default=10.0, help="seconds (default 10)")
        solve_.add_argument("--workers", type=int, default=1, help="CP-SAT workers (default 1)")
        solve_.add_argument("--seed", type=int, default=0, help="CP-SAT random seed (default 0)")
        check = sub.add_parser("validate", help="check a solution against its instance")
        check.add_argument("instance", help="iop-week/1 problem JSON")
        check.add_argument("solution", help="iop-week-solution/1 JSON")
        make = sub.add_parser("generate", help="print a seeded iop-week/1 instance")
        make.add_argument("--patients", type=int, required=True)
        make.add_argument("--seed", type=int, required=True)
        make.add_argument("--sites", type=int, help="default: one per 100 patients")
        make.add_argument(
            "--no-plant",
            action="store_true",
            help="draw patients' free time at random instead of around a zero-shortfall schedule",
        )
        make.add_argument("--planted", help="also write the planted schedule to this file")
        advice = sub.add_parser("advise", help="what would close an instance's shortfall")
        advice.add_argument("instance", help="iop-week/1 problem JSON")
        advice.add_argument("--solution", help="iop-week-solution/1 JSON (default: solve first)")
        advice.add_argument(
            "--limit",
            type=int,
            default=DEFAULT_LIMIT,
            help=f"what-ifs run (default {DEFAULT_LIMIT})",
        )
        advice.add_argument(
            "--top", type=int, default=DEFAULT_TOP, help=f"changes listed (default {DEFAULT_TOP})"
        )
        advice.add_argument(
            "--time-limit",
            type=float,
            help="without --solution: solve with CP-SAT for at most S seconds (default: greedy)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["action"])(options)

    def _solve(self, options: dict[str, Any]) -> None:
        if options["time_limit"] <= 0 or options["workers"] < 1:
            self._fail("--time-limit must be above 0 and --workers at least 1")
        problem = self._problem(options["instance"])
        solution = solve(
            problem,
            time_limit=options["time_limit"],
            workers=options["workers"],
            seed=options["seed"],
        )
        text = json.dumps(solution_to_dict(solution), indent=2)
        if options["output"]:
            self._write(options["output"], text)
            stats = solution.stats
            self.stdout.write(
                f"wrote {options['output']}: {stats['status']}, shortfall {stats['shortfall_hours']:g} h,"
                f" {stats['groups']} groups, {stats['seconds']:g} s"
            )
        else:
            self.stdout.write(text)

    def _validate(self, options: dict[str, Any]) -> None:
        problem = self._problem(options["instance"])
        try:
            solution = parse_solution(self._json(options["solution"]))
        except FormatError as exc:
            self._fail(f"{options['solution']}: " + "\n  ".join(exc.problems))
        report = validate(problem, solution)
        self.stdout.write(json.dumps(report.to_dict(), indent=2))
        if not report.valid:
            raise SystemExit(EXIT_INVALID_SOLUTION)

    def _generate(self, options: dict[str, Any]) -> None:
        patients, sites = options["patients"], options["sites"]
        if not 1 <= patients <= 100_000 or (sites is not None and not 1 <= sites <= patients):
            self._fail("--patients must be 1 to 100000 and --sites 1 to the number of patients")
        made = generate(patients, options["seed"], sites, plant=not options["no_plant"])
        if options["planted"] and made.planted is not None:
            self._write(options["planted"], json.dumps(solution_to_dict(made.planted), indent=2))
        self.stdout.write(json.dumps(problem_to_dict(made.problem), indent=2))

    def _advise(self, options: dict[str, Any]) -> None:
        limit, top, seconds = options["limit"], options["top"], options["time_limit"]
        if not 1 <= limit <= 1000 or not 1 <= top <= 100 or (seconds is not None and seconds <= 0):
            self._fail("--limit must be 1 to 1000, --top 1 to 100 and --time-limit above 0")
        problem = self._problem(options["instance"])
        if options["solution"]:
            try:
                solution = parse_solution(self._json(options["solution"]))
            except FormatError as exc:
                self._fail(f"{options['solution']}: " + "\n  ".join(exc.problems))
            source = "given"
        elif seconds is not None:
            solution, source = solve(problem, time_limit=seconds, workers=1, seed=0), "cp-sat"
        else:
            solution, source = greedy(problem), "greedy"
        report = validate(problem, solution)
        advice = advise(problem, solution, limit=limit, top=top)
        document = {
            "format": "iop-week-advice/1",
            "schedule": source,
            "valid": report.valid,
            "shortfall_hours": report.shortfall_hours,
            "short_patients": len(problem.patients) - report.patients_meeting_minimum,
            "advice": [a.to_dict() for a in advice],
        }
        self.stdout.write(json.dumps(document, indent=2))

    def _problem(self, path: str) -> Problem:
        try:
            return parse_problem(self._json(path))
        except FormatError as exc:
            self._fail(f"{path}: " + "\n  ".join(exc.problems))

    def _json(self, path: str) -> Any:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self._fail(f"cannot read {path}: {exc}")
        try:
            return json.loads(text, object_pairs_hook=_unique_keys)
        except json.JSONDecodeError as exc:
            self._fail(f"{path} is not valid JSON: {exc}")
        except ValueError as exc:
            self._fail(f"{path}: {exc}")

    def _write(self, path: str, text: str) -> None:
        try:
            Path(path).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            self._fail(f"cannot write {path}: {exc}")

    def _fail(self, message: str) -> NoReturn:
        self.stderr.write(message)
        raise SystemExit(EXIT_BAD_INPUT)
