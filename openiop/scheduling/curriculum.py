"""The rotating group curriculum: which topic each published group session covers.

Every reputable IOP builds the same skills: coping skills; problem-solving; self-awareness; the
ability to recognise unhealthy behaviour; asking for and receiving help (role-play); plus
education about addiction and relapse prevention (SAMHSA TIP 47, "Substance Abuse: Clinical Issues in Intensive Outpatient Treatment" (2006)).
Patients are admitted on a rolling basis, so a fixed course from week 1 to week N would leave
late joiners without the first topics. Instead each session gets the topic that most of its own
members still lack:

- a member *lacks* the topics they have had least often (all seven for a newcomer; after a full
  round, all seven again, so the rotation continues for long stays);
- a topic's score is the sum, over members lacking it, of ``(1 + waited) / lacking``, where
  ``waited`` counts the member's sessions in a row that brought them nothing new (someone
  outvoted by the group gains weight until their topic is chosen) and ``lacking`` is how many
  topics they still lack (a member close to finishing the round counts more for their last
  topics than a newcomer, who is glad of any);
- ties go to the topic that comes next after the track's last topic in the fixed order below,
  which reproduces a plain rotation when every member has had the same sessions.

Same sessions in, same topics out (no randomness). Pure Python: no Django import.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

TOPICS: tuple[str, ...] = (
    "Coping skills",
    "Problem-solving",
    "Self-awareness",
    "Recognising unhealthy behaviour",
    "Asking for and receiving help",
    "Education about addiction",
    "Relapse prevention",
)


@dataclass(frozen=True)
class Meeting:
    """One group session to give a topic: its key, track and members (in time order)."""

    key: Hashable
    track: str
    members: tuple[str, ...]


@dataclass
class History:
    """What one patient has had so far: sessions per topic and sessions since a new one."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOPICS, 0))
    waited: int = 0

    def lacking(self) -> set[str]:
        least = min(self.counts.values())
        return {t for t, n in self.counts.items() if n == least}

    def attend(self, topic: str) -> None:
        if topic not in self.counts:  # a topic no longer in the curriculum: nothing new
            self.waited += 1
            return
        new = topic in self.lacking()
        self.counts[topic] += 1
        self.waited = 0 if new else self.waited + 1


def replay(topics_in_order: Iterable[str]) -> History:
    """A patient's history from the topics of their past sessions, oldest first."""
    history = History()
    for topic in topics_in_order:
        history.attend(topic)
    return history


def _rotation_rank(topic: str, last: str | None) -> int:
    if last not in TOPICS:
        return TOPICS.index(topic)
    return (TOPICS.index(topic) - TOPICS.index(last) - 1) % len(TOPICS)


def assign_topics(
    meetings: Sequence[Meeting],
    histories: Mapping[str, History],
    last_topic: Mapping[str, str],
) -> dict[Hashable, str]:
    """A topic for each meeting, taken in the given (chronological) order; see module docstring.

    ``histories`` (patient -> History) and ``last_topic`` (track -> topic) are not modified.
    """
    people = {pid: History(dict(h.counts), h.waited) for pid, h in histories.items()}
    last = dict(last_topic)
    chosen: dict[Hashable, str] = {}
    for meeting in meetings:
        members = [people.setdefault(pid, History()) for pid in meeting.members]
        score = dict.fromkeys(TOPICS, 0.0)
        for h in members:
            lacking = h.lacking()
            for topic in lacking:
                score[topic] += (1 + h.waited) / len(lacking)
        previous = last.get(meeting.track)
        topic = min(TOPICS, key=lambda t: (-score[t], _rotation_rank(t, previous)))
        chosen[meeting.key] = topic
        last[meeting.track] = topic
        for h in members:
            h.attend(topic)
    return chosen


@dataclass(frozen=True)
class Coverage:
    """A patient's curriculum so far and to come, for the per-patient view and chart tab."""

    done: tuple[str, ...]
    upcoming: tuple[str, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(t for t in TOPICS if t not in self.done)

    @property
    def still_open(self) -> tuple[str, ...]:
        """Topics neither had nor scheduled yet."""
        return tuple(t for t in self.missing if t not in self.upcoming)

    @property
    def complete(self) -> bool:
        return not self.missing


def coverage(past: Iterable[str], future: Iterable[str]) -> Coverage:
    """Topics of past sessions (done) and of scheduled future sessions (upcoming), in
    curriculum order, each listed once."""
    had, coming = set(past), set(future)
    return Coverage(
        tuple(t for t in TOPICS if t in had),
        tuple(t for t in TOPICS if t in coming and t not in had),
    )
