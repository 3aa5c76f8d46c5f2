"""The outcomes dashboard: each figure of the program (census, retention, measures...) for
one period and optionally one program, track or site, as a card with its chart; for the
clinical director, the patients behind each figure and their CSV.

The figures are computed by ``openiop.outcomes.selectors`` (rules in
``openiop.domain.outcomes``); this module parses the filter, asks the policy, audits and
renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from openiop.accounts.models import User
from openiop.core import access, audit, csvstream, policy
from openiop.core.forms import INVALID
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.delivery.selectors import user_zone
from openiop.domain.outcomes import charts
from openiop.domain.outcomes.facts import Dashboard, Figure
from openiop.organization import selectors as org_selectors
from openiop.outcomes import selectors
from openiop.outcomes.forms import FILTERS, DashboardFilterForm

DASHBOARD_TYPE = "outcomes.dashboard"
PATIENT_TYPE = "patients.patient"
AUDIT_DETAIL = 500  # characters an audit event's detail keeps
LIST_FIELDS = ["mrn", "first_name", "last_name", "program", "admission", "discharge"]
CSV_COLUMNS = [
    "Record number",
    "Name",
    "Program",
    "Admitted",
    "Ended",
    "How it ended",
    "Counted in the figure",
]


@dataclass(frozen=True)
class Selection:
    """A valid filter: the period, the day the figures are as of, and the choices."""

    start: date
    end: date
    today: date
    program: Any
    track: Any
    site: Any
    query: str  # the filter as a query string (ids and dates only)
    cut: bool = False  # the period asked for ended after today and was cut at today

    def describe(self) -> str:
        """For the audit trail: dates and ids."""
        text = f"{self.start.isoformat()} to {self.end.isoformat()}"
        for name in ("program", "track", "site"):
            obj = getattr(self, name)
            if obj is not None:
                text += f", {name} {obj.pk}"
        return text


def _form(request: HttpRequest, user: User) -> DashboardFilterForm:
    data = {k: request.GET[k] for k in FILTERS if request.GET.get(k)}
    return DashboardFilterForm(
        data or None,
        sites=org_selectors.org_sites(user).order_by("name", "pk"),
        programs=org_selectors.org_programs(user).order_by("site__name", "name", "pk"),
        tracks=org_selectors.org_tracks(user)
        .select_related("program__site")
        .order_by("program__name", "program__site__name", "name", "pk"),
    )


def _today(user: User, site: Any) -> date:
    """Today on the site's clock: the chosen site's (or program's, track's), else the
    user's first site's."""
    zone = ZoneInfo(site.timezone) if site is not None else user_zone(user)
    return timezone.localtime(timezone.now(), zone).date()


def _selection(form: DashboardFilterForm, user: User) -> Selection | None:
    if form.is_bound and not form.is_valid():
        return None
    program, track, site = form.choice("program"), form.choice("track"), form.choice("site")
    place = site or (program.site if program else None) or (track.program.site if track else None)
    today = _today(user, place)
    start, end = form.period(today)
    checked = form.check_today(start, end, today)
    if checked is None:
        return None
    end, cut = checked
    if not form.check_length(start, end):
        return None
    form.show_period(start, end)
    query = urlencode(form.query(start, end))
    return Selection(start, end, today, program, track, site, query, cut)


def _dashboard(user: User, sel: Selection) -> Dashboard:
    result: Dashboard = selectors.dashboard(
        access.organization_id(user),
        start=sel.start,
        end=sel.end,
        as_of=sel.today,
        program_id=sel.program.pk if sel.program else None,
        track_id=sel.track.pk if sel.track else None,
        site_id=sel.site.pk if sel.site else None,
    )
    return result


def _card(figure: Figure) -> dict[str, Any]:
    return {
        "figure": figure,
        "value": charts.value_text(figure.unit, figure.value),
        "detail": charts.share_detail(
            figure.numerator,
            figure.denominator,
            charts.HOURS if figure.items == charts.HOURS else "",
        )
        if figure.unit == charts.SHARE
        else "",
        "chart": charts.build_chart(figure) if figure.series else None,
    }


def dashboard(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.OUTCOMES_READ, request=request, object_type=DASHBOARD_TYPE)
    form = _form(request, user)
    sel = _selection(form, user)
    if sel is None:
        return render(request, "outcomes/dashboard.html", {"form": form}, status=INVALID)
    board = _dashboard(user, sel)
    audit.record(
        actor=user,
        action=AuditAction.QUERY,
        object_type=DASHBOARD_TYPE,
        request=request,
        detail=f"outcomes dashboard {sel.describe()}",
        part2=False,
    )
    return render(
        request,
        "outcomes/dashboard.html",
        {
            "form": form,
            "board": board,
            "sel": sel,
            "cards": [_card(f) for f in board.figures],
        },
    )


@dataclass(frozen=True)
class Listed:
    row: selectors.PatientRow
    counted: bool


def _figure_patients(
    request: HttpRequest, key: str
) -> tuple[User, DashboardFilterForm, Selection | None, Figure | None, list[Listed]]:
    """The director's list behind one figure: the policy, the filter, the figure (404 when
    the key is unknown, audited) and its patients (the counted ones first, then for a share the
    others of its denominator), by name."""
    user = access.staff(request)
    policy.require(user, Action.OUTCOMES_PATIENTS, request=request, object_type=PATIENT_TYPE)
    form = _form(request, user)
    sel = _selection(form, user)
    if sel is None:
        return user, form, None, None, []
    board = _dashboard(user, sel)
    figure = next((f for f in board.figures if f.key == key), None)
    if figure is None:
        raise access.not_found(user, "outcomes.figure", key, request=request)
    counted = set(figure.members)
    others = [pk for pk in figure.denominator_members if pk not in counted]
    rows = selectors.patient_rows(access.organization_id(user), [*figure.members, *others])
    # In the selectors' order (by name), the counted patients first.
    listed = [Listed(r, True) for r in rows if r.id in counted]
    listed += [Listed(r, False) for r in rows if r.id not in counted]
    return user, form, sel, figure, listed


def _audit_list(
    request: HttpRequest, user: User, action: str, what: str, sel: Selection, listed: list[Listed]
) -> None:
    # The event's detail holds 500 characters: list whole ids while they fit, then say how
    # many more (one event per patient would cost queries per patient on every list).
    head = f"{what} {sel.describe()}; {len(listed)} patients; ids: "
    ids: list[str] = []
    for n, item in enumerate(listed):
        more = f" and {len(listed) - n} more"
        if len(head) + len(",".join([*ids, str(item.row.id)])) + len(more) > AUDIT_DETAIL:
            ids.append(more.strip())
            break
        ids.append(str(item.row.id))
    audit.record(
        actor=user,
        action=action,
        object_type=PATIENT_TYPE,
        fields=LIST_FIELDS,
        request=request,
        detail=head + ",".join(ids),
        part2=bool(listed),
    )


def figure_patients(request: HttpRequest, key: str) -> HttpResponse:
    user, form, sel, figure, listed = _figure_patients(request, key)
    if sel is None or figure is None:
        return render(request, "outcomes/patients.html", {"form": form}, status=INVALID)
    _audit_list(request, user, AuditAction.QUERY, f"outcomes patients of {key}", sel, listed)
    return render(
        request,
        "outcomes/patients.html",
        {
            "form": form,
            "sel": sel,
            "figure": figure,
            "card": _card(figure),
            "counted": [i.row for i in listed if i.counted],
            "others": [i.row for i in listed if not i.counted],
            "mixed": set(figure.mixed_members),
            "note": charts.list_note(figure, len(listed)),
            "is_share": figure.unit == charts.SHARE,
        },
    )


def figure_patients_csv(request: HttpRequest, key: str) -> HttpResponse | StreamingHttpResponse:
    user, form, sel, figure, listed = _figure_patients(request, key)
    if sel is None or figure is None:
        return render(request, "outcomes/patients.html", {"form": form}, status=INVALID)
    _audit_list(request, user, AuditAction.EXPORT, f"outcomes patients CSV of {key}", sel, listed)

    def day(d: date | None) -> str:
        return d.isoformat() if d else ""

    rows = (
        [
            i.row.mrn,
            i.row.name,
            i.row.program,
            day(i.row.admitted_on),
            day(i.row.ended_on),
            i.row.end_kind,
            "yes" if i.counted else "no",
        ]
        for i in listed
    )
    return csvstream.response(
        CSV_COLUMNS,
        rows,
        filename=f"outcomes-{key}-{sel.start.isoformat()}-{sel.end.isoformat()}.csv",
    )
