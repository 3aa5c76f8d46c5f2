"""My week, the calendar link, "can't make it" and self check-in (thin views: the account
from `access.me`, objects among the patient's own, writes through the services)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from openiop.portal import access
from openiop.portal.models import PortalAccount
from openiop.portal.week import selectors, services
from openiop.portal.week.forms import AbsenceForm, CodeForm

INVALID = 422


def _week_page(
    request: HttpRequest,
    portal: PortalAccount,
    *,
    errors: dict[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    weeks = selectors.my_week(portal, timezone.now())
    return render(
        request,
        "portal/week/week.html",
        {
            "portal": portal,
            "weeks": weeks,
            "errors": errors or {},
            "first_look": portal.week_seen_at is None,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD"])
def week(request: HttpRequest) -> HttpResponse:
    portal = access.me(request)
    response = _week_page(request, portal)
    services.week_seen(account=portal, request=request)
    return response


@require_POST
def calendar_link(request: HttpRequest) -> HttpResponse:
    """Create (or replace) the patient's private calendar feed and show its address once."""
    portal = access.me(request)
    _, raw = services.calendar_link_create(account=portal, request=request)
    url = request.build_absolute_uri(reverse("scheduling_public:feed", args=[raw]))
    return render(request, "portal/week/calendar_link.html", {"url": url})


@require_POST
def absence(request: HttpRequest, session_id: int) -> HttpResponse:
    portal = access.me(request)
    session = selectors.own_session(portal, session_id)
    if session is None:
        raise access.not_found(request, portal, "scheduling.groupsession", session_id)
    form = AbsenceForm(request.POST)
    if not form.is_valid():
        message = " ".join(str(e) for e in form.errors.get("reason", ["Check what you typed."]))
        return _week_page(request, portal, errors={session.pk: message}, status=INVALID)
    try:
        services.absence_notice_create(
            account=portal,
            session=session,
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except ValidationError as exc:
        message = " ".join(m for ms in exc.message_dict.values() for m in ms)
        return _week_page(request, portal, errors={session.pk: message}, status=INVALID)
    messages.success(request, "Thank you for telling us. The care team knows you can't come.")
    return redirect(f"{reverse('portal:week')}#session-{session.pk}")


@require_POST
def absence_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    portal = access.me(request)
    notice = selectors.own_notice(portal, pk)
    if notice is None:
        raise access.not_found(request, portal, "portal.absencenotice", pk)
    try:
        services.absence_notice_withdraw(account=portal, notice=notice, request=request)
    except ValidationError as exc:
        message = " ".join(m for ms in exc.message_dict.values() for m in ms)
        return _week_page(request, portal, errors={notice.session_id: message}, status=INVALID)
    messages.success(request, "Done: the care team expects you at this session again.")
    return redirect(f"{reverse('portal:week')}#session-{notice.session_id}")


def _checkin_page(
    request: HttpRequest,
    portal: PortalAccount,
    *,
    form: CodeForm | None = None,
    session_errors: dict[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = selectors.today_sessions(portal, timezone.now())
    session_errors = session_errors or {}
    listed = {item.session.pk for item in today}
    context: dict[str, Any] = {
        "portal": portal,
        "today": today,
        "pick": selectors.pick_from_list(portal),
        "form": form or CodeForm(),
        "session_errors": session_errors,
        # A session no longer listed (it has ended): its reason is shown above the list.
        "other_errors": [m for pk, m in session_errors.items() if pk not in listed],
    }
    return render(request, "portal/week/checkin.html", context, status=status)


def _id(raw: str) -> int:
    """A posted id as the `<id:...>` converter reads one: too long or not digits is 0."""
    return int(raw) if raw.isdigit() and len(raw) <= 18 else 0


@require_http_methods(["GET", "HEAD", "POST"])
def checkin(request: HttpRequest) -> HttpResponse:
    portal = access.me(request)
    if request.method != "POST":
        access.viewed(request, portal, ["schedule", "attendance"], "today's sessions to check in")
        return _checkin_page(request, portal)
    if "session" in request.POST:
        pk = _id(request.POST.get("session", ""))
        session = selectors.own_session(portal, pk)
        if session is None:
            raise access.not_found(request, portal, "scheduling.groupsession", pk)
        if not selectors.pick_from_list(portal):
            return _checkin_page(
                request,
                portal,
                session_errors={session.pk: "Type the code shown in the room to check in."},
                status=INVALID,
            )
        result = services.portal_check_in(account=portal, session=session, request=request)
        if not result.ok:
            return _checkin_page(
                request, portal, session_errors={session.pk: result.message}, status=result.status
            )
    else:
        form = CodeForm(request.POST)
        if not form.is_valid():
            return _checkin_page(request, portal, form=form, status=INVALID)
        result = services.portal_check_in(
            account=portal, code=form.cleaned_data["code"], request=request
        )
        if not result.ok:
            form.add_error("code", result.message)
            return _checkin_page(request, portal, form=form, status=result.status)
    messages.success(request, result.message)
    return redirect("portal:checkin")
