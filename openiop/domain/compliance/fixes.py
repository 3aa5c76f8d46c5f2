"""What would fix a shortfall: open seats in other groups at times the patient is free.

The requirement: a projection during the week of who can no longer reach the minimum with the
sessions left, with what would fix it (open seats in other groups at times they are free).
A seat fits when it is in one of the patient's tracks (a patient with co-occurring disorders may
be in two, and hours in either count: the iop-week/1 format), lies wholly inside one of
their free blocks and inside the week, starts no earlier than now, is not on a leave day, and
overlaps nothing else they attend. Seats are offered soonest first (the sooner the seat, the more
of the week is left to recover), and are shared: a seat given to one patient is not offered to
another once its free places are gone.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from openiop.domain.compliance.clock import WeekCalendar, seconds
from openiop.domain.compliance.model import ComplianceInputError, Interval, OpenSeat

Span = tuple[int, int]


@dataclass(frozen=True)
class SeatSuggestion:
    session_id: str
    track: str
    start: datetime
    end: datetime
    minutes: int


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted spans with touching or overlapping ones joined."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def free_spans(free: Sequence[Interval]) -> list[Span]:
    return merge_spans((seconds(block.start), seconds(block.end)) for block in free)


class SeatPool:
    """The open seats of one week, handed out as they are suggested."""

    def __init__(self, seats: Sequence[OpenSeat]) -> None:
        self._left: dict[str, int] = {}
        by_track: dict[str, list[tuple[int, int, str, OpenSeat]]] = {}
        for seat in seats:
            if seat.session_id in self._left:
                raise ComplianceInputError(f"open seat {seat.session_id} is listed twice")
            self._left[seat.session_id] = seat.seats_free
            start, end = seconds(seat.start), seconds(seat.end)
            by_track.setdefault(seat.track, []).append((start, start - end, seat.session_id, seat))
        for entries in by_track.values():
            entries.sort(key=lambda entry: entry[:3])  # soonest, then longest, then by id
        self._by_track = by_track

    def suggest(
        self,
        *,
        tracks: Sequence[str],
        free: list[Span],
        busy: list[Span],
        taken: set[str],
        not_before: int,
        calendar: WeekCalendar,
        on_leave: frozenset[int],
        gap_minutes: int,
    ) -> tuple[list[SeatSuggestion], int]:
        """Seats that close `gap_minutes`, soonest first; returns them and the gap left."""
        chosen: list[SeatSuggestion] = []
        if gap_minutes <= 0 or not free:
            return chosen, max(gap_minutes, 0)
        lists = [self._by_track[t] for t in dict.fromkeys(tracks) if t in self._by_track]
        busy = list(busy)
        for start, negative_length, session_id, seat in heapq.merge(
            *lists, key=lambda entry: entry[:3]
        ):
            end = start - negative_length
            if (
                start < not_before
                or start < calendar.start
                or end > calendar.end
                or self._left[session_id] <= 0
                or session_id in taken
                or calendar.day_index(start) in on_leave
                or not any(f_start <= start and end <= f_end for f_start, f_end in free)
                or any(start < b_end and b_start < end for b_start, b_end in busy)
            ):
                continue
            minutes = (end - start) // 60
            self._left[session_id] -= 1
            taken.add(session_id)
            busy.append((start, end))
            chosen.append(SeatSuggestion(session_id, seat.track, seat.start, seat.end, minutes))
            gap_minutes -= minutes
            if gap_minutes <= 0:
                return chosen, 0
        return chosen, gap_minutes
