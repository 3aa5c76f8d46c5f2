"""The support services' program policy of one program, with its defaults when none is saved
(no published source: each program sets them on its settings page)."""

from __future__ import annotations

from dataclasses import dataclass

from openiop.support.models import DEFAULT_SETTINGS, SupportSettings


@dataclass(frozen=True)
class SupportPolicy:
    link_days: int  # how many days a partner's referral link works
    follow_up_days: int  # a referral is due for follow-up this many days after it is sent
    rescreen_days: int  # the needs screen is due again this many days after the last one


DEFAULT = SupportPolicy(**DEFAULT_SETTINGS)


def policy_for(program_id: int | None) -> SupportPolicy:
    """The saved settings of the program, or the defaults."""
    if program_id is None:
        return DEFAULT
    row = SupportSettings.objects.filter(program_id=program_id).first()
    if row is None:
        return DEFAULT
    return SupportPolicy(
        link_days=row.link_days, follow_up_days=row.follow_up_days, rescreen_days=row.rescreen_days
    )
