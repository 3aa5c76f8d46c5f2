"""Schedule pages: the weeks, building and solving one, reviewing it (grid, per counselor, per
patient), hand edits, publishing, re-solving; calendar links; the public iCalendar feed.

Views parse, authorize (core.access + scheduling.permissions), call one service and render.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openiop.accounts.models import User
from openiop.core import access, audit, htmx
from openiop.core.forms import INVALID, render_form, submit
from openiop.core.htmx import render_page
from openiop.core.models import AuditAction
from openiop.scheduling import blocks as std
from openiop.scheduling import calendar, selectors, services
from openiop.scheduling.forms import BuildForm, MoveForm, ResolveForm, TelehealthForm
from openiop.scheduling.models import CalendarToken, ScheduleWeek, WeekStatus
from openiop.scheduling.permissions import can_manage, require_manager, week_for
from openiop.scheduling.problem import pk_of

PATIENTS_PER_PAGE = 50
RUNNING = (WeekStatus.QUEUED, WeekStatus.SOLVING)
WAITING_LONG = timedelta(minutes=1)


def index(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    return _index(request, user, BuildForm() if can_manage(user) else None)


def _index(
    request: HttpRequest, user: User, form: BuildForm | None, status: int = 200
) -> HttpResponse:
    # The list shows no part of a week's problem or solution: they are left in the database
    # (on a large program each is megabytes of JSON, and decoding 60 of them was most of the
    # page's time).
    weeks = list(selectors.weeks_for(user).defer(*selectors.WEEK_BULK_FIELDS)[:60])
    return render(
        request,
        "scheduling/index.html",
        {"weeks": weeks, "form": form, "can_manage": can_manage(user)},
        status=status,
    )


@require_POST
def build(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    require_manager(user, request, "build a schedule")
    form = BuildForm(request.POST)

    def build_and_queue(data: dict[str, Any]) -> ScheduleWeek:
        week = services.week_build(
            actor=user,
            organization=user.organization,  # type: ignore[arg-type]
            week_start=data["week_start"],
            request=request,
        )
        services.week_solve_enqueue(actor=user, week=week, request=request)
        return week

    if form.is_valid():
        week = submit(form, build_and_queue)
        if week is not None:
            return redirect("scheduling:week", pk=week.pk)
    return _index(request, user, form, status=INVALID)


def _waiting_long(week: ScheduleWeek) -> bool:
    """Queued for a while: no worker may be running (the page says how to start one)."""
    return (
        week.status == WeekStatus.QUEUED
        and week.queued_at is not None
        and timezone.now() - week.queued_at > WAITING_LONG
    )


def _week_context(
    request: HttpRequest, user: User, week: ScheduleWeek, view: str
) -> dict[str, Any]:
    r, objects = selectors.review(week, user)
    return {
        "week": week,
        "review": r,
        "objects": objects,
        "view": view,
        "can_manage": can_manage(user),
        "running": week.status in RUNNING,
        "waiting_long": _waiting_long(week),
        "editable": can_manage(user) and week.status == WeekStatus.SOLVED,
        "week_end": week.week_start + timedelta(days=5),
        "day_names": [(d, std.DAY_NAMES[d]) for d in r.days],
    }


@require_GET
def week(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    w = week_for(user, pk, request=request)
    return render(request, "scheduling/week_grid.html", _grid_context(request, user, w))


GRID_LIST_PAGE = 25
GRID_LISTS = ("shortfalls", "changes")


def _shortfall_rows(
    r: selectors.Review, visible: dict[int, Any]
) -> tuple[list[dict[str, Any]], int]:
    """The week's shortfalls of patients the user may see, by name, and how many others."""
    shortfalls, hidden = [], 0
    for ref, s in r.shortfalls.items():
        patient = visible.get(pk_of(ref, "patient") or 0)
        if patient is None:
            hidden += 1
            continue
        shortfalls.append(
            {
                "patient": patient,
                "name": f"{patient.last_name}, {patient.first_name}",
                "short_hours": s.get("short_hours", 0),
                "raw_reason": str(s.get("reason", "")),
            }
        )
    shortfalls.sort(key=lambda s: s["name"])
    return shortfalls, hidden


def _with_reasons(r: selectors.Review, rows: Any) -> list[dict[str, Any]]:
    """The shown rows' reasons in words (names for ids): only the page's rows, since a large
    week has thousands of shortfalls and each costs a pass of substitutions."""
    return [{**row, "reason": r.humanize(row["raw_reason"])} for row in rows]


def _audit_names(
    request: HttpRequest, user: User, w: ScheduleWeek, detail: str, shown: list[int]
) -> None:
    """A view of patient names on a schedule page, as a query listing the ids shown."""
    if not shown:
        return
    audit.record(
        actor=user,
        action=AuditAction.QUERY,
        object_type="scheduling.scheduleweek",
        object_id=str(w.pk),
        fields=["schedule", "name"],
        request=request,
        detail=f"{detail}; shown ids: {','.join(str(pk) for pk in shown)}"[:500],
    )


def _grid_context(request: HttpRequest, user: User, w: ScheduleWeek) -> dict[str, Any]:
    """The grid in summary (groups and patients per cell; each cell's groups and each
    group's members load on demand), the first page of the shortfall explanations and of
    the group changes (patients the user may see, audited) and notes."""
    context = _week_context(request, user, w, "grid")
    r = context["review"]
    visible = context["objects"]["patients"]
    shortfalls, hidden = _shortfall_rows(r, visible)
    shortfall_page = Paginator(shortfalls, GRID_LIST_PAGE).get_page(1)
    code_changes, codes_hidden = _code_changes(w, r, visible, user)
    change_page = Paginator(code_changes, GRID_LIST_PAGE).get_page(1)
    shown = sorted(
        {s["patient"].pk for s in shortfall_page.object_list}
        | {c["patient"].pk for c in change_page.object_list}
    )
    _audit_names(request, user, w, "schedule shortfalls and group changes", shown)
    context.update(
        {
            "grid": selectors.grid(r),
            "shortfalls": _with_reasons(r, shortfall_page.object_list),
            "shortfall_page": shortfall_page,
            "shortfalls_hidden": hidden,
            "code_changes": change_page.object_list,
            "change_page": change_page,
            "code_changes_hidden": codes_hidden,
            "code_changes_planned": w.status == WeekStatus.SOLVED,
            "counselor_notes": [
                f"{r.names.get(n.get('ref', ''), n.get('ref', ''))}: {n.get('text', '')}"
                for n in (w.notes or [])
                if isinstance(n, dict) and n.get("kind") == "counselor" and can_manage(user)
            ],
        }
    )
    return context


def _bad_request(request: HttpRequest, text: str) -> HttpResponse:
    if _is_htmx(request):
        return htmx.reason(text, 400)
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")


@require_GET
def week_cell(request: HttpRequest, pk: int) -> HttpResponse:
    """The groups of one cell of the grid (site, day, slot) with their sizes: an htmx
    fragment, or a page of its own without JavaScript. No patient names."""
    user = access.staff(request)
    w = week_for(user, pk, request=request)
    day, slot, site = (request.GET.get(k, "") for k in ("day", "slot", "site"))
    if day not in std.DAY_NAMES or slot not in std.SLOT_TIMES or not site:
        return _bad_request(request, "Choose a cell of the grid: a site, a day and a time.")
    context = _week_context(request, user, w, "grid")
    r = context["review"]
    groups = selectors.cell_groups(r, site=site, day=day, slot=slot)
    context.update(
        {
            "groups": groups,
            "cell_day": std.DAY_NAMES[day],
            "cell_slot": next(label for key, label, _, _ in std.SLOTS if key == slot),
            "show_site": site == "virtual",
        }
    )
    return render_page(
        request, "scheduling/week_cell.html", "scheduling/partials/cell_groups.html", context
    )


@require_GET
def week_group(request: HttpRequest, pk: int) -> HttpResponse:
    """One group's members (the patients the user may see by name; the others counted),
    audited as a query listing the ids shown. A group the user may not see is refused like
    a week of another organization: 404 and an audited denial."""
    user = access.staff(request)
    w = week_for(user, pk, request=request)
    context = _week_context(request, user, w, "grid")
    r = context["review"]
    group = selectors.group_visible(r, str(request.GET.get("group", ""))[:100])
    if group is None:
        audit.record(
            actor=user,
            action=AuditAction.DENIED,
            object_type="scheduling.scheduleweek",
            object_id=str(w.pk),
            request=request,
            detail="group of another site, or unknown",
            part2=False,
        )
        if _is_htmx(request):
            return htmx.reason("This group is not one you can see: reload the page.", 404)
        raise Http404("No such group.")
    visible = context["objects"]["patients"]
    members = sorted(
        (visible[pid] for ref in group.patients if (pid := pk_of(ref, "patient") or 0) in visible),
        key=lambda p: (p.last_name, p.first_name, p.pk),
    )
    _audit_names(request, user, w, f"schedule group {group.id}", [p.pk for p in members])
    context.update(
        {"group": group, "members": members, "members_hidden": group.size - len(members)}
    )
    return render_page(
        request, "scheduling/week_group.html", "scheduling/partials/group_members.html", context
    )


@require_GET
def week_grid_list(request: HttpRequest, pk: int) -> HttpResponse:
    """One page of the grid page's patient lists: the shortfall explanations or the group
    changes (patients the user may see, audited)."""
    user = access.staff(request)
    w = week_for(user, pk, request=request)
    which = request.GET.get("list", "")
    if which not in GRID_LISTS:
        return _bad_request(request, "There is no such list on this page.")
    context = _week_context(request, user, w, "grid")
    r = context["review"]
    visible = context["objects"]["patients"]
    if which == "shortfalls":
        rows, hidden = _shortfall_rows(r, visible)
    else:
        rows, hidden = _code_changes(w, r, visible, user)
    page = Paginator(rows, GRID_LIST_PAGE).get_page(request.GET.get("page"))
    _audit_names(
        request,
        user,
        w,
        f"schedule {'shortfalls' if which == 'shortfalls' else 'group changes'}, "
        f"page {page.number}",
        [row["patient"].pk for row in page.object_list],
    )
    context.update(
        {
            "which": which,
            "page": page,
            "shortfalls": _with_reasons(r, page.object_list) if which == "shortfalls" else [],
            "shortfall_page": page,
            "shortfalls_hidden": hidden,
            "code_changes": page.object_list if which == "changes" else [],
            "change_page": page,
            "code_changes_hidden": hidden,
            "code_changes_planned": w.status == WeekStatus.SOLVED,
        }
    )
    partial = (
        "scheduling/partials/shortfalls.html"
        if which == "shortfalls"
        else "scheduling/partials/code_changes.html"
    )
    return render_page(request, "scheduling/week_list.html", partial, context)


def _code_changes(
    w: ScheduleWeek, r: selectors.Review, visible: dict[int, Any], user: User
) -> tuple[list[dict[str, Any]], int]:
    """Patients whose check-in code a re-solve changes (published: done; solved: what
    publishing would do), those the user may see by name, and how many others."""
    if w.parent_id is None or not can_manage(user):
        return [], 0
    if w.status == WeekStatus.SOLVED:
        entries = services.planned_code_changes(w)
    else:
        entries = [
            n
            for n in (w.notes or [])
            if isinstance(n, dict) and n.get("kind") == services.CODE_CHANGE
        ]
    rows, hidden = [], 0
    for n in entries:
        patient = visible.get(pk_of(str(n.get("ref", "")), "patient") or 0)
        if patient is None:
            hidden += 1
            continue
        rows.append(
            {
                "patient": patient,
                "name": f"{patient.last_name}, {patient.first_name}",
                "text": r.humanize(str(n.get("text", ""))),
            }
        )
    rows.sort(key=lambda c: c["name"])
    return rows, hidden


@require_GET
def week_counselors(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    w = week_for(user, pk, request=request)
    context = _week_context(request, user, w, "counselors")
    context["counselors"] = selectors.counselors(context["review"])
    return render(request, "scheduling/week_counselors.html", context)


MAX_QUERY = 100


def _matches(patient: Any, words: list[str]) -> bool:
    text = f"{patient.last_name} {patient.first_name} {patient.mrn}".casefold()
    return all(word in text for word in words)


def _patients_context(
    request: HttpRequest,
    user: User,
    w: ScheduleWeek,
    *,
    page_number: Any,
    query: str = "",
    only: str | None = None,
) -> dict[str, Any]:
    """The per-patient view: one page of the visible patients, or those matching ``query``
    (name or record number, filtered in memory: the same queries whatever it is), or the one
    row ``only``; the patients shown are audited (never the query text)."""
    context = _week_context(request, user, w, "patients")
    r = context["review"]
    visible = context["objects"]["patients"]
    refs = selectors.patient_refs_visible(r, context["objects"])
    hidden = len(r.problem.patients) - len(refs) if r.problem else 0
    words = query.casefold().split()
    if words:
        refs = [ref for ref in refs if _matches(visible[pk_of(ref, "patient") or 0], words)]
    matches = len(refs)
    page = Paginator(refs, PATIENTS_PER_PAGE).get_page(1 if words else page_number)
    shown = list(page.object_list) if only is None else [ref for ref in refs if ref == only]
    rows = selectors.patient_rows(r, context["objects"], shown)
    audit.record(
        actor=user,
        action=AuditAction.QUERY,
        object_type="scheduling.scheduleweek",
        object_id=str(w.pk),
        fields=["schedule", "name"],
        request=request,
        detail=f"schedule per patient; shown ids: {','.join(str(r.patient.pk) for r in rows)}"[
            :500
        ],
        part2=bool(rows),
    )
    context.update(
        {"rows": rows, "page": page, "hidden": hidden, "query": query, "matches": matches}
    )
    return context


def _query(request: HttpRequest) -> str:
    return " ".join(str(request.POST.get("q", "")).split())[:MAX_QUERY]


def _patients_page(
    request: HttpRequest,
    user: User,
    w: ScheduleWeek,
    *,
    page_number: Any,
    query: str = "",
    move_errors: dict[str, list[str]] | None = None,
    moved_ref: str = "",
    status: int = 200,
) -> HttpResponse:
    context = _patients_context(request, user, w, page_number=page_number, query=query)
    context.update({"move_errors": move_errors or {}, "moved_ref": moved_ref})
    return render_page(
        request,
        "scheduling/week_patients.html",
        "scheduling/partials/patient_list.html",
        context,
        status=status,
    )


@require_http_methods(["GET", "POST"])
def week_patients(request: HttpRequest, pk: int) -> HttpResponse:
    """The per-patient view; a POST searches it (a name never goes into the address)."""
    user = access.staff(request)
    w = week_for(user, pk, request=request)
    if request.method == "POST":
        return _patients_page(request, user, w, page_number=1, query=_query(request))
    return _patients_page(request, user, w, page_number=request.GET.get("page"))


@require_GET
def week_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx-polled status fragment; when the solve ends, the page reloads. A pure read:
    the POST that queued the week enqueued its solve (services.week_solve_enqueue)."""
    user = access.staff(request)
    w = week_for(user, pk, request=request)
    response = render(
        request,
        "scheduling/partials/progress.html",
        {"week": w, "running": w.status in RUNNING, "waiting_long": _waiting_long(w)},
    )
    if w.status not in RUNNING and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@require_POST
def week_solve(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    w = week_for(user, pk, request=request, manage=True)
    try:
        queued = services.week_solve_enqueue(actor=user, week=w, rebuild=True, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        added, left = services.rebuild_changes(w.problem, queued.problem)
        messages.info(
            request,
            "Rebuilt from today's enrolments: "
            + (
                f"{_patients(added)} added since the last build, {_patients(left)} left out."
                if added or left
                else "the same patients as the last build."
            ),
        )
    return redirect("scheduling:week", pk=w.pk)


def _patients(n: int) -> str:
    return f"{n} patient{'s' if n != 1 else ''}"


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _move_refused(
    request: HttpRequest, user: User, w: ScheduleWeek, ref: str, reasons: list[str]
) -> HttpResponse:
    """A refused hand move: with htmx, the patient's row again with the reasons (swapped where
    the user clicked); otherwise the whole page. Both 422, nothing saved."""
    page_number, query = request.POST.get("page"), _query(request)
    if not _is_htmx(request):
        return _patients_page(
            request, user, w, page_number=page_number, query=query,
            move_errors={ref: reasons}, status=INVALID,
        )  # fmt: skip
    context = _patients_context(request, user, w, page_number=page_number, query=query, only=ref)
    if not context["rows"]:
        return htmx.reason(" ".join(reasons) or "Choose a patient of this week.", INVALID)
    context.update({"row": context["rows"][0], "move_errors": {ref: reasons}, "moved_ref": ""})
    return render(request, "scheduling/partials/patient_row.html", context, status=INVALID)


@require_POST
def week_move(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    w = week_for(user, pk, request=request, manage=True)
    form = MoveForm(request.POST)
    if not form.is_valid():
        errors = [str(e) for errs in form.errors.values() for e in errs]
        return _move_refused(request, user, w, f"p{form.cleaned_data.get('patient', '')}", errors)
    patient = access.patient_for(user, form.cleaned_data["patient"], write=True, request=request)
    ref = f"p{patient.pk}"
    try:
        services.week_move_patient(
            actor=user,
            week=w,
            patient=patient,
            from_group=form.cleaned_data["from_group"] or None,
            to_group=form.cleaned_data["to_group"] or None,
            request=request,
        )
    except ValidationError as exc:
        r, _ = selectors.review(w, user)
        return _move_refused(request, user, w, ref, [r.humanize(m) for m in exc.messages])
    page = request.POST.get("page")
    if _is_htmx(request):
        # The whole list again (group sizes change in other rows), the moved row saying so.
        w.refresh_from_db()
        response = _patients_page(
            request, user, w, page_number=page, query=_query(request), moved_ref=ref
        )
        response["HX-Retarget"] = "#patient-list"
        response["HX-Reswap"] = "outerHTML"
        return response
    messages.success(request, f"Saved: {patient.first_name} {patient.last_name} moved.")
    url = reverse("scheduling:week_patients", args=[w.pk])
    query = f"?page={int(page)}" if page and str(page).isdigit() else ""
    return redirect(f"{url}{query}#{ref}")


@require_POST
def week_publish(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    w = week_for(user, pk, request=request, manage=True)
    try:
        services.week_publish(actor=user, week=w, request=request)
    except ValidationError as exc:
        w.refresh_from_db()
        context = _grid_context(request, user, w)
        context["publish_errors"] = [context["review"].humanize(m) for m in exc.messages]
        return render(request, "scheduling/week_grid.html", context, status=422)
    messages.success(request, "Published: the group sessions and each patient's calendar are set.")
    w.refresh_from_db()
    changed = {n.get("ref") for n in w.notes or [] if n.get("kind") == services.CODE_CHANGE}
    if changed:
        messages.warning(
            request,
            f"{len(changed)} patient{'s' if len(changed) != 1 else ''} changed group: the "
            "check-in code they were given changes. The list is below.",
        )
    elif w.parent_id:
        messages.info(request, "No patient's check-in code changes.")
    return redirect("scheduling:week", pk=w.pk)


def week_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    w = week_for(user, pk, request=request, manage=True)
    counselor_ids = [
        cpk for c in w.problem.get("counselors", []) if (cpk := pk_of(c.get("id"), "counselor"))
    ]
    today = timezone.localdate()
    default_day = max(today + timedelta(days=1), w.starts_on or w.week_start)
    form = ResolveForm(
        request.POST or None,
        counselors=User.objects.filter(
            pk__in=counselor_ids, organization_id=access.organization_id(user)
        ).order_by("last_name", "first_name"),
        default_day=default_day,
    )
    if w.status != WeekStatus.PUBLISHED:
        raise Http404("Only the published revision can be re-solved.")

    def resolve_and_queue(data: dict[str, Any]) -> ScheduleWeek:
        new = services.week_resolve(
            actor=user,
            week=w,
            first_day=data["first_day"],
            absent=list(data["absent"]),
            request=request,
        )
        services.week_solve_enqueue(actor=user, week=new, request=request)
        return new

    if request.method == "POST" and form.is_valid():
        new = submit(form, resolve_and_queue)
        if new is not None:
            return redirect("scheduling:week", pk=new.pk)
    return render_form(
        request,
        "scheduling/resolve.html",
        {"week": w, "form": form, "week_end": w.week_start + timedelta(days=5)},
    )


# Calendar links -------------------------------------------------------------------------------


def _feed_url(request: HttpRequest, raw: str) -> str:
    return request.build_absolute_uri(reverse("scheduling_public:feed", args=[raw]))


def calendars(request: HttpRequest) -> HttpResponse:
    """The staff member's own calendar link: create (shown once) or revoke."""
    user = access.staff(request)
    created = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            _, raw = services.calendar_token_create(actor=user, owner=user, request=request)
            created = _feed_url(request, raw)
        elif action == "revoke":
            token = selectors.active_token(user=user)
            if token is not None:
                services.calendar_token_revoke(actor=user, token=token, request=request)
                messages.success(request, "Your calendar link is revoked: it no longer works.")
            return redirect("scheduling:calendars")
        else:
            return render(
                request,
                "scheduling/calendars.html",
                {"token": selectors.active_token(user=user), "error": "Choose an action."},
                status=422,
            )
    return render(
        request,
        "scheduling/calendars.html",
        {"token": selectors.active_token(user=user), "created": created},
    )


@require_POST
def patient_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """Create (shown once) or revoke a patient's calendar link, from the chart tab."""
    user = access.staff(request)
    patient = access.patient_for(user, pk, write=True, request=request)
    action = request.POST.get("action")
    back = reverse("patients:chart_tab", args=[patient.pk, "schedule"])
    if action == "create":
        _, raw = services.calendar_token_create(actor=user, patient=patient, request=request)
        return render(
            request,
            "scheduling/calendar_created.html",
            {"patient": patient, "url": _feed_url(request, raw), "back": back},
        )
    if action == "revoke":
        token = selectors.active_token(patient=patient)
        if token is not None:
            services.calendar_token_revoke(actor=user, token=token, request=request)
            messages.success(request, "The patient's calendar link is revoked.")
        return redirect(back)
    messages.error(request, "Choose create or revoke.")
    return redirect(back)


@require_POST
def patient_telehealth(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, write=True, request=request)
    form = TelehealthForm(request.POST)
    if form.is_valid():
        services.patient_telehealth_set(
            actor=user,
            patient=patient,
            telehealth_ok=form.cleaned_data["telehealth_ok"],
            request=request,
        )
        messages.success(request, "Saved. The next schedule built uses it.")
    return redirect("patients:chart_tab", pk=patient.pk, tab="schedule")


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The public iCalendar feed: the token is the credential. Unknown or revoked: 404."""
    row = (
        CalendarToken.objects.select_related("patient", "user")
        .filter(token_hash=services.token_hash(token))
        .first()
    )
    if row is None:
        raise Http404("No such calendar.")
    if row.revoked_at is not None:
        audit.record(
            actor=None,
            action=AuditAction.DENIED,
            patient=row.patient_id,
            obj=row,
            request=request,
            detail="revoked calendar link used",
            part2=False,
            organization_id=row.organization_id,
        )
        raise Http404("No such calendar.")
    body = calendar.feed_for(row)
    audit.record(
        actor=None,
        action=AuditAction.EXPORT,
        patient=row.patient_id,
        obj=row,
        fields=["schedule"],
        request=request,
        detail=f"calendar feed of {'patient' if row.patient_id else 'staff member'} fetched",
        part2=row.patient_id is not None,
        organization_id=row.organization_id,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="schedule.ics"'
    response["Cache-Control"] = "no-store"
    return response
