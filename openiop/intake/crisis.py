"""Crisis resources shown on screen when answers indicate danger.

Sources [S: several independent public pages agree, e.g. the 988 Lifeline FAQ as restated by
crisis centres and universities, read with the search tool]: the 988 Suicide & Crisis Lifeline
(United States, since 16 July 2022) answers calls and texts to 988 around the clock and chats
at 988lifeline.org; veterans press 1 after dialling 988 for the Veterans Crisis Line; 911 is
for immediate danger. A program outside the United States, or one that wants to add a local
mobile crisis team, sets `OPENIOP_CRISIS_RESOURCES` in Django settings to a list of
(name, how to reach it) pairs; the default is below.
"""

from __future__ import annotations

from django.conf import settings

DEFAULT_CRISIS_RESOURCES: tuple[tuple[str, str], ...] = (
    (
        "988 Suicide & Crisis Lifeline",
        "Call or text 988, or chat at 988lifeline.org. Free, confidential, 24 hours a day. "
        "Veterans: dial 988 and press 1.",
    ),
    ("Emergency services", "Call 911 if someone is in immediate danger or has been hurt."),
)


def crisis_resources() -> tuple[tuple[str, str], ...]:
    configured = getattr(settings, "OPENIOP_CRISIS_RESOURCES", None)
    if configured:
        return tuple((str(name), str(how)) for name, how in configured)
    return DEFAULT_CRISIS_RESOURCES
