"""Staff pages for a program's family events: the list, add one, cancel one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from openiop.core import access
from openiop.core.forms import render_form, submit
from openiop.core.policy import Action
from openiop.organization.access import program_for
from openiop.organization.models import Program
from openiop.portal.family import selectors, services
from openiop.portal.family.forms import FamilyEventForm
from openiop.portal.models import FamilyEvent


def _page(
    request: HttpRequest,
    program: Program,
    form: FamilyEventForm,
    problems: list[str] | None = None,
) -> HttpResponse:
    return render_form(
        request,
        "portal/family/staff_events.html",
        {
            "program": program,
            "events": selectors.program_events(program),
            "form": form,
            "zone": program.site.timezone,
            "problems": problems or [],
        },
    )


def family_events(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request, program_id, Action.CARE_WRITE)
    user = access.staff(request)
    form = FamilyEventForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            lambda data: services.family_event_add(user, program, request=request, **data),
        )
        if saved is not None:
            messages.success(request, "Family event added.")
            return redirect("portal_staff:family_events", program_id=program.pk)
    return _page(request, program, form)


@require_POST
def family_event_cancel(request: HttpRequest, program_id: int, pk: int) -> HttpResponse:
    program = program_for(request, program_id, Action.CARE_WRITE)
    user = access.staff(request)
    event = FamilyEvent.objects.filter(pk=pk, program=program, patient__isnull=True).first()
    if event is None:
        raise access.not_found(user, "portal.familyevent", pk, request=request)
    try:
        services.family_event_cancel(user, event, request=request)
    except ValidationError as exc:
        return _page(request, program, FamilyEventForm(), problems=exc.messages)
    messages.success(request, "Family event cancelled.")
    return redirect("portal_staff:family_events", program_id=program.pk)
