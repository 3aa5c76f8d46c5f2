"""The weekly-hours compliance report of `openiop compliance` and of its background task
(delivery/tasks.py): every enrolled patient's required (one requirement across all their
tracks, in the words the pages use), scheduled and attended hours, per-day
billing eligibility under the billing rule applied (the HCPCS per-day default or the payer's
rule of their program, with its source), the days with 3 hours or more against the program's
3 (program compliance, reported only) and status, computed by openiop.domain.compliance from
the database.

Patients are named by internal id (and record number in the command's own output; the task's
stored result leaves record numbers out). Each computation is written to the audit trail as an
export per organization.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from openiop.core import audit
from openiop.core.models import AuditAction
from openiop.delivery.hours import week_compliance
from openiop.domain.compliance import requirement_label
from openiop.organization.models import Organization
from openiop.patients.models import Patient


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def compliance_report(
    *,
    week_start: date,
    as_of: datetime | None,
    organizations: Iterable[Organization],
    source: str,
    with_mrn: bool = True,
) -> dict[str, Any]:
    """The report as JSON-ready data; ``source`` says who asked, in the audit events."""
    rows: list[dict[str, Any]] = []
    for organization in organizations:
        computed = week_compliance(
            organization_id=organization.pk, week_start=week_start, as_of=as_of
        )
        mrns: dict[int, str] = {}
        if with_mrn:
            mrns = dict(
                Patient.objects.filter(pk__in=list(computed.results)).values_list("pk", "mrn")
            )
        for pid, week in sorted(computed.results.items()):
            row: dict[str, Any] = {"organization": organization.pk, "patient": pid}
            if with_mrn:
                row["mrn"] = mrns.get(pid, "")
            row.update(
                {
                    "status": str(week.status),
                    "cannot_reach": week.cannot_reach,
                    "required_hours": _hours(week.required_minutes),
                    "requirement": requirement_label(
                        week.required_minutes, len(set(computed.tracks_of.get(pid, [])))
                    ),
                    "scheduled_hours": _hours(week.scheduled_minutes),
                    "attended_hours": _hours(week.attended_minutes),
                    "remaining_hours": _hours(week.remaining_minutes),
                    "per_diem_week": week.per_diem_week,
                    "per_diem_rule": {
                        "payer": week.per_diem_rule.payer,
                        "basis": str(week.per_diem_rule.basis),
                        "source": week.per_diem_rule.source,
                    },
                    "program_days": week.program_days,
                    "program_days_required": week.program_days_required,
                    "days": [
                        {
                            "day": d.day.isoformat(),
                            "hours": _hours(d.minutes),
                            "meets_daily_minimum": d.meets_daily_minimum,
                            "billing": str(d.billing),
                        }
                        for d in week.days
                    ],
                    "suggested_sessions": [int(s.session_id) for s in week.suggestions],
                }
            )
            rows.append(row)
        audit.record(
            actor=None,
            action=AuditAction.EXPORT,
            object_type="patients.patient",
            fields=["attendance", "hours"],
            organization_id=organization.pk,
            detail=f"{source}: {len(computed.results)} patients",
            part2=bool(computed.results),
        )
    return {
        "week_start": week_start.isoformat(),
        "week_end": (week_start + timedelta(days=6)).isoformat(),
        "as_of": as_of.isoformat() if as_of else None,
        "patients": rows,
    }


def report_lines(report: dict[str, Any]) -> list[str]:
    """The report as the command's table."""
    as_of = datetime.fromisoformat(report["as_of"]) if report.get("as_of") else None
    when = f"{as_of:%Y-%m-%d %H:%M %Z}" if as_of else "the week's end"
    lines = [
        f"Week of {report['week_start']} (as of {when})",
        f"{'org':>4} {'patient':>8} {'status':<9} {'req h':>6} {'sched h':>7} {'att h':>6}  days (h, P=per diem, D=discrete)",
    ]
    for row in report["patients"]:
        days = " ".join(
            f"{d['hours']:.1f}{'P' if d['billing'] == 'per_diem' else 'D' if d['billing'] == 'discrete' else '-'}"
            for d in row["days"]
        )
        lines.append(
            f"{row['organization']:>4} {row['patient']:>8} {row['status']:<9} "
            f"{row['required_hours']:>6.1f} {row['scheduled_hours']:>7.1f} "
            f"{row['attended_hours']:>6.1f}  {days}"
        )
    lines.append(f"{len(report['patients'])} patient(s).")
    return lines
