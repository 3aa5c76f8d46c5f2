"""Primary counselor assignment: balance caseloads within credentials, track and language.

No published standard sets how an IOP spreads patients among its counselors; this is program
policy (each counselor's caseload limit is set on their staff profile). The rule used:

1. Only counselors who may lead the patient's track (or work in its program when the track
   names nobody) are eligible: their credentials fit the track.
2. Among them, those who counsel in the patient's preferred language come first
   (45 CFR 92.201 asks for meaningful access for people with limited English proficiency;
   a counselor speaking the language is the plainest way to give it).
3. Then the lowest load relative to the counselor's limit, then the fewest patients, then
   the id (so the result is the same every time). A counselor at their limit is taken only
   when every eligible counselor is, and the result says so.

Patients are taken most constrained first (fewest eligible counselors), so a patient whom only
one counselor may see is not left without because others filled that counselor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Counselor:
    id: int
    tracks: frozenset[int]
    languages: frozenset[str]
    load: int = 0
    limit: int = 25


@dataclass(frozen=True)
class Patient:
    id: int
    tracks: frozenset[int]
    language: str = ""


@dataclass(frozen=True)
class Assignment:
    patient: int
    counselor: int | None
    reason: str
    language_match: bool = False
    over_limit: bool = False


@dataclass
class _Load:
    load: dict[int, int] = field(default_factory=dict)


def balance(patients: Sequence[Patient], counselors: Sequence[Counselor]) -> list[Assignment]:
    """One assignment per patient, in the order given (see the module's rule)."""
    loads = {c.id: c.load for c in counselors}
    by_id = {c.id: c for c in counselors}

    def eligible(p: Patient) -> list[Counselor]:
        return [c for c in counselors if p.tracks & c.tracks]

    order = sorted(patients, key=lambda p: (len(eligible(p)), p.id))
    chosen: dict[int, Assignment] = {}
    for p in order:
        options = eligible(p)
        if not options:
            chosen[p.id] = Assignment(
                p.id, None, "No active counselor may lead this patient's track."
            )
            continue
        language = p.language.strip().casefold()

        def key(c: Counselor, language: str = language) -> tuple[int, int, float, int, int]:
            full = loads[c.id] >= c.limit
            speaks = bool(language) and language in c.languages
            return (int(full), int(not speaks), loads[c.id] / max(c.limit, 1), loads[c.id], c.id)

        best = min(options, key=key)
        speaks = bool(language) and language in best.languages
        over = loads[best.id] >= best.limit
        loads[best.id] += 1
        if over:
            reason = (
                "Every eligible counselor is at their caseload limit; the least loaded was chosen."
            )
        elif speaks:
            reason = "Eligible for the track, speaks the patient's language, lightest caseload."
        else:
            reason = "Eligible for the track, lightest caseload (no eligible counselor speaks the patient's language)."
        chosen[p.id] = Assignment(p.id, best.id, reason, speaks, over)
    del by_id
    return [chosen[p.id] for p in patients]
