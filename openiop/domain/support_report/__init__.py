"""Support services report: needs found, referred and resolved, and the referrals' outcomes,
per need kind, per partner and in total (definitions in ``metrics``). Pure Python, no Django.
"""

from openiop.domain.support_report.metrics import (
    Figures,
    Group,
    NeedFact,
    PeriodError,
    ReferralFact,
    SupportReport,
    compute,
    figures,
    figures_json,
    in_period,
    median_days,
    to_json,
)

__all__ = [
    "Figures",
    "Group",
    "NeedFact",
    "PeriodError",
    "ReferralFact",
    "SupportReport",
    "compute",
    "figures",
    "figures_json",
    "in_period",
    "median_days",
    "to_json",
]
