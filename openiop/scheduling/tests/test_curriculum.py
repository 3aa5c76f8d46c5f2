"""The rotating curriculum and the standard blocks: pure functions, no database."""

from __future__ import annotations

import random
from datetime import date, time

from openiop.scheduling import blocks
from openiop.scheduling.curriculum import (
    TOPICS,
    History,
    Meeting,
    assign_topics,
    coverage,
    replay,
)


def test_the_curriculum_holds_the_seven_skills_of_the_program() -> None:
    assert len(TOPICS) == 7
    assert "Relapse prevention" in TOPICS and "Asking for and receiving help" in TOPICS


def test_a_stable_group_gets_a_plain_rotation_continuing_after_the_last_topic() -> None:
    members = ("a", "b", "c")
    meetings = [Meeting(i, "t", members) for i in range(9)]
    chosen = assign_topics(meetings, {}, {})
    assert [chosen[i] for i in range(7)] == list(TOPICS)
    assert [chosen[7], chosen[8]] == list(TOPICS[:2])
    again = assign_topics([Meeting(0, "t", ())], {}, {"t": TOPICS[2]})
    assert again[0] == TOPICS[3]


def test_a_newcomer_gets_what_they_lack_when_the_group_is_indifferent() -> None:
    veteran = replay(TOPICS)  # a full round: lacks everything again
    newcomer = History()
    chosen = assign_topics(
        [Meeting("m", "t", ("old", "new"))], {"old": veteran, "new": newcomer}, {"t": TOPICS[0]}
    )
    assert chosen["m"] == TOPICS[1]


def test_a_member_outvoted_gains_weight_until_their_topic_comes() -> None:
    lone = replay(TOPICS[:6])  # lacks only relapse prevention
    others = {f"o{i}": replay([TOPICS[6]]) for i in range(3)}  # have had only that
    histories = {"lone": lone, **others}
    meetings = [Meeting(i, "t", ("lone", *others)) for i in range(8)]
    chosen = assign_topics(meetings, histories, {})
    assert TOPICS[6] in chosen.values()


def _sessions_to_cover_all(seed: int, member_aware: bool) -> tuple[list[int], list[int]]:
    """Rolling admission for 30 weeks, 5 meetings a week, each member attending 60% of them:
    per patient, sessions until all seven topics (done) or the sessions of those never done."""
    rng = random.Random(seed)
    histories: dict[str, History] = {}
    last: dict[str, str] = {}
    seen: dict[str, list[str]] = {}
    active: list[str] = []
    plain = 0
    for week in range(30):
        active += [f"p{week}-{i}" for i in range(rng.randint(1, 3))]
        active = [p for p in active if rng.random() > 0.08]
        meetings = [
            Meeting((week, day), "t", tuple(p for p in active if rng.random() < 0.6))
            for day in range(5)
        ]
        if member_aware:
            chosen = assign_topics(meetings, histories, last)
        else:  # a plain rotation of the track, blind to who attends
            chosen = {m.key: TOPICS[(plain + i) % 7] for i, m in enumerate(meetings)}
            plain += len(meetings)
        for m in meetings:
            last["t"] = chosen[m.key]
            for p in m.members:
                histories.setdefault(p, History()).attend(chosen[m.key])
                seen.setdefault(p, []).append(chosen[m.key])
    done, never = [], []
    for topics in seen.values():
        firsts = [i for i in range(len(topics)) if set(topics[: i + 1]) == set(TOPICS)]
        (done if firsts else never).append(firsts[0] + 1 if firsts else len(topics))
    return done, never


def test_patients_admitted_on_a_rolling_basis_all_cover_every_topic() -> None:
    for seed in range(5):
        done, never = _sessions_to_cover_all(seed, member_aware=True)
        assert max(done) <= 18 and all(n < 18 for n in never)
        assert sum(done) / len(done) < 10
        blind, _ = _sessions_to_cover_all(seed, member_aware=False)
        assert sum(done) / len(done) < sum(blind) / len(blind)


def test_same_sessions_give_the_same_topics() -> None:
    meetings = [Meeting(i, "t", ("a", f"x{i % 3}")) for i in range(10)]
    assert assign_topics(meetings, {}, {}) == assign_topics(meetings, {}, {})


def test_coverage_lists_done_upcoming_and_still_open_topics() -> None:
    c = coverage([TOPICS[0], TOPICS[0], TOPICS[2]], [TOPICS[2], TOPICS[4]])
    assert c.done == (TOPICS[0], TOPICS[2])
    assert c.upcoming == (TOPICS[4],)
    assert TOPICS[1] in c.still_open and TOPICS[4] not in c.still_open
    assert not c.complete and coverage(TOPICS, []).complete


def test_the_standard_week_has_three_blocks_a_day_monday_to_saturday() -> None:
    assert len(blocks.STANDARD_BLOCKS) == 18
    tue_ev = blocks.BLOCK_BY_ID["tue-ev"]
    assert (tue_ev.start, tue_ev.end, tue_ev.hours) == (time(18), time(21), 3)
    assert tue_ev.on(date(2026, 12, 7)) == date(2026, 12, 8)
    assert blocks.block_label("tue-ev") == "Tuesday evening"
    assert blocks.monday_of(date(2026, 12, 10)) == date(2026, 12, 7)
    later = blocks.blocks_from(date(2026, 12, 7), date(2026, 12, 11))
    assert [b.id for b in later] == ["fri-am", "fri-pm", "fri-ev", "sat-am", "sat-pm", "sat-ev"]


def test_a_block_counts_as_available_only_inside_one_window() -> None:
    mon_pm = blocks.BLOCK_BY_ID["mon-pm"]
    assert blocks.covers([(0, time(12), time(17))], mon_pm)
    assert not blocks.covers([(0, time(13), time(15)), (0, time(15), time(16))], mon_pm)
    assert not blocks.covers([(1, time(8), time(22))], mon_pm)
