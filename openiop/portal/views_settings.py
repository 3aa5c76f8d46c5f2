"""Staff page: the portal's program policy for one program."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from openiop.core import access
from openiop.core.forms import render_form, submit
from openiop.core.policy import Action
from openiop.organization.access import program_for
from openiop.portal import services
from openiop.portal.forms import PortalSettingsForm
from openiop.portal.models import PortalSettings


def portal_settings(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request, program_id, Action.CARE_SETTINGS)
    row = PortalSettings.objects.filter(program=program).first() or PortalSettings(program=program)
    initial = {
        "pick_from_list": row.pick_from_list,
        "session_reminder_hours": row.session_reminder_hours,
    }
    form = PortalSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            lambda data: services.portal_settings_set(
                actor=access.staff(request),
                program=program,
                pick_from_list=bool(data.get("pick_from_list")),
                session_reminder_hours=data["session_reminder_hours"],
                request=request,
            ),
        )
        if saved is not None:
            messages.success(request, "Portal settings saved.")
            return redirect("portal_staff:settings", program.pk)
    return render_form(request, "portal/staff_settings.html", {"program": program, "form": form})
