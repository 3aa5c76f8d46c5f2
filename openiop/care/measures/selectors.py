"""Measurement-based care reads: scores of repeated instruments, due measures, reliable change
and trajectory charts, and the measures due for a user's patients.

Scores are intake's ``ScreeningResponse`` rows, the one store of instrument answers in the
system; they are recorded through ``openiop.intake.services.screening_record``. This module
only reads them. Every function takes ids and returns plain data with a fixed number of
queries, whatever the number of patients.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from openiop.accounts.models import User
from openiop.care.common import OPEN_ENROLLMENT
from openiop.care.models import MeasureSchedule, ReliabilitySetting
from openiop.core import access
from openiop.domain.measures.reliable_change import DEFAULT_RELIABILITY, ReliabilityValues
from openiop.domain.measures.schedule import (
    DueMeasure,
    ScheduledMeasure,
    default_schedule,
    due_measures,
)
from openiop.domain.measures.trajectory import Chart, build_chart, short_name
from openiop.domain.screening import INSTRUMENTS
from openiop.domain.tapering import MeasureTrend
from openiop.intake.models import ScreeningResponse
from openiop.patients.models import Enrollment
from openiop.support.models import DEFAULT_SETTINGS, SupportSettings

BASELINE_LOOKBACK = timedelta(days=30)
"""Intake screens shortly before admission count as the enrolment's baseline."""


def instrument_name(instrument_id: str) -> str:
    instrument = INSTRUMENTS.get(instrument_id)
    return short_name(instrument) if instrument else instrument_id


def band_label(instrument_id: str, code: str) -> str:
    instrument = INSTRUMENTS.get(instrument_id)
    if instrument is None:
        return code
    return next((b.label for b in instrument.bands if b.code == code), code or "no band")


def schedules_for_tracks(
    tracks: Iterable[tuple[int, str]],
) -> dict[int, tuple[ScheduledMeasure, ...]]:
    """The effective schedule of each (track id, track kind): its own rows, else the defaults."""
    tracks = list(tracks)
    rows: dict[int, list[ScheduledMeasure]] = defaultdict(list)
    for track_id, instrument, weeks in MeasureSchedule.objects.filter(
        track_id__in=[t for t, _ in tracks]
    ).values_list("track_id", "instrument", "every_weeks"):
        rows[track_id].append(ScheduledMeasure(instrument, weeks))
    return {
        tid: tuple(rows[tid]) if rows.get(tid) else default_schedule(kind) for tid, kind in tracks
    }


def last_given(patient_ids: Sequence[int]) -> dict[tuple[int, str], date]:
    """(patient, instrument) -> local date of the latest administration (one query)."""
    # The local date is taken in the database (the latest moment has the latest local day),
    # so thousands of rows cost no time-zone conversion each in Python.
    day = TruncDate("administered_at", tzinfo=timezone.get_current_timezone())
    rows = (
        ScreeningResponse.objects.filter(patient_id__in=patient_ids)
        .order_by()
        .values_list("patient_id", "instrument")
        .annotate(last=Max(day))
    )
    return {(patient_id, instrument): last for patient_id, instrument, last in rows}


@dataclass(frozen=True)
class DueRow:
    patient_id: int
    enrollment_id: int
    track_name: str
    due: DueMeasure
    patient_name: str = ""

    @property
    def instrument_name(self) -> str:
        return instrument_name(self.due.instrument)


NEEDS_SCREEN = "ahc_hrsn"
"""The CMS Accountable Health Communities health-related social needs screen: due at admission
and again every ``rescreen_days`` of the program's support settings (program policy, 90 days
by default), beside the track's repeated measures."""


def rescreen_days_for(program_ids: Iterable[int]) -> dict[int, int]:
    """Each program's needs-screen interval in days, its default when not set (one query)."""
    default = DEFAULT_SETTINGS["rescreen_days"]
    ids = sorted(set(program_ids))
    out = dict.fromkeys(ids, default)
    if ids:
        out.update(
            SupportSettings.objects.filter(program_id__in=ids).values_list(
                "program_id", "rescreen_days"
            )
        )
    return out


def needs_screen_due(
    *, starts_on: date, last_on: date | None, every_days: int, today: date, horizon_days: int = 0
) -> DueMeasure | None:
    """The needs screen is due on admission unless one was given in the last ``every_days``
    (a screen at intake, just before admission, counts), then ``every_days`` after the last."""
    due_on = starts_on if last_on is None else max(starts_on, last_on + timedelta(days=every_days))
    if due_on > today + timedelta(days=horizon_days):
        return None
    return DueMeasure(NEEDS_SCREEN, max(1, round(every_days / 7)), due_on, last_on)


def due_rows(
    enrollments: Sequence[Enrollment],
    *,
    today: date,
    horizon_days: int = 0,
    names: dict[int, str] | None = None,
    needs_screen: bool = True,
) -> list[DueRow]:
    """Due measures of these enrolments (their track must be loaded), with the needs screen
    unless ``needs_screen`` is false: three queries in all."""
    schedules = schedules_for_tracks({(e.track_id, e.track.kind) for e in enrollments})
    by_patient: dict[int, dict[str, date]] = defaultdict(dict)
    for (patient_id, instrument), on in last_given(
        sorted({e.patient_id for e in enrollments})
    ).items():
        by_patient[patient_id][instrument] = on
    screen_needs = needs_screen and NEEDS_SCREEN in INSTRUMENTS
    rescreen = rescreen_days_for(e.track.program_id for e in enrollments) if screen_needs else {}
    out: list[DueRow] = []
    for e in enrollments:
        given = by_patient.get(e.patient_id, {})
        due = due_measures(
            schedules[e.track_id],
            starts_on=e.starts_on,
            last_given=given,
            today=today,
            horizon_days=horizon_days,
        )
        if screen_needs and all(s.instrument != NEEDS_SCREEN for s in schedules[e.track_id]):
            needs = needs_screen_due(
                starts_on=e.starts_on,
                last_on=given.get(NEEDS_SCREEN),
                every_days=rescreen[e.track.program_id],
                today=today,
                horizon_days=horizon_days,
            )
            if needs is not None:
                due.append(needs)
        name = (names or {}).get(e.patient_id, "")
        out.extend(DueRow(e.patient_id, e.pk, e.track.name, d, name) for d in due)
    return sorted(out, key=lambda r: (r.due.due_on, r.patient_id, r.due.instrument))


def reliability_for(organization_id: int) -> dict[str, ReliabilityValues]:
    """The cited defaults, replaced by the organization's own values where it set them."""
    values = dict(DEFAULT_RELIABILITY)
    for s in ReliabilitySetting.objects.filter(organization_id=organization_id):
        values[s.instrument] = ReliabilityValues(
            s.instrument, float(s.sd), float(s.reliability), s.source
        )
    return values


@dataclass(frozen=True)
class Score:
    on: date
    total: int | None
    band: str
    subscores: dict[str, int]
    flags: list[str]


def scores(patient_id: int, *, since: date | None = None) -> dict[str, list[Score]]:
    """Every score of the patient since ``since``, by instrument, oldest first (one query)."""
    qs = ScreeningResponse.objects.filter(patient_id=patient_id)
    if since is not None:
        qs = qs.filter(administered_at__date__gte=since)
    out: dict[str, list[Score]] = defaultdict(list)
    for row in qs.order_by("administered_at", "id").values(
        "instrument", "administered_at", "total", "band", "subscores", "flags"
    ):
        labels = _flag_labels(row["instrument"])
        out[row["instrument"]].append(
            Score(
                timezone.localtime(row["administered_at"]).date(),
                row["total"],
                row["band"],
                dict(row["subscores"] or {}),
                [labels.get(code, code) for code in row["flags"] or []],
            )
        )
    return dict(out)


def _flag_labels(instrument: str) -> dict[str, str]:
    """Flag codes of an instrument to the short words a clinician reads ("High risk")."""
    definition = INSTRUMENTS.get(instrument)
    if definition is None:
        return {}
    return {f.code: f.label.split(":")[0] for f in definition.flags}


def enrollment_scores(enrollment: Enrollment) -> dict[str, list[Score]]:
    return scores(enrollment.patient_id, since=enrollment.starts_on - BASELINE_LOOKBACK)


def trends(
    by_instrument: dict[str, list[Score]], reliability: dict[str, ReliabilityValues]
) -> tuple[list[MeasureTrend], list[str]]:
    """Baseline-to-latest trends the tapering engine reads, and the instruments whose reliable
    change is not computed (no reliability values, or fewer than two scores)."""
    out: list[MeasureTrend] = []
    not_computed: list[str] = []
    for instrument, rows in sorted(by_instrument.items()):
        totals = [r for r in rows if r.total is not None]
        values = reliability.get(instrument)
        if values is None or len(totals) < 2:
            not_computed.append(instrument)
            continue
        base, last = float(totals[0].total or 0), float(totals[-1].total or 0)
        out.append(MeasureTrend(instrument, base, last, values.classify(base, last)))
    return out, not_computed


def charts(
    by_instrument: dict[str, list[Score]], reliability: dict[str, ReliabilityValues]
) -> list[Chart]:
    out = []
    for instrument_id, rows in sorted(by_instrument.items()):
        instrument = INSTRUMENTS.get(instrument_id)
        totals = [
            (r.on, float(r.total), band_label(instrument_id, r.band))
            for r in rows
            if r.total is not None
        ]
        if instrument is None or instrument.total_range is None or not totals:
            continue  # instruments without a total (BAM, C-SSRS) are listed as tables
        out.append(build_chart(instrument, totals, reliability.get(instrument_id)))
    return out


def visible_open_enrollments(user: User) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(
            patient__in=access.patients_visible_to(user).values("pk"), status__in=OPEN_ENROLLMENT
        )
        .select_related("track", "patient")
        .order_by("patient__last_name", "patient__first_name", "id")
    )


def due_list(user: User, *, today: date, horizon_days: int = 6) -> list[DueRow]:
    """Measures due for the user's visible open enrolments: three queries at any size."""
    return due_rows(list(visible_open_enrollments(user)), today=today, horizon_days=horizon_days)
