"""Staff page: the support services' program policy for one program (partner link, referral
follow-up, needs screen interval). Administrator or clinical director of the program's sites;
a program outside the user's scope is an audited 404, another role an audited 403."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from openiop.core import access
from openiop.core.forms import render_form, submit
from openiop.core.policy import Action
from openiop.organization.access import program_for
from openiop.support import settings_services as services
from openiop.support.program_settings import policy_for


def _days(label: str, low: int, high: int, message: str, help_text: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=help_text,
        error_messages={
            "min_value": message,
            "max_value": message,
            "required": "Say how many days.",
            "invalid": "Enter a whole number of days.",
        },
    )


class SupportSettingsForm(forms.Form):
    link_days = _days(
        "A partner's referral link works for (days)",
        *services.BOUNDS["link_days"],
        "After this the partner asks for a new link. 1 to 90 days.",
    )
    follow_up_days = _days(
        "Follow up a referral after (days)",
        *services.BOUNDS["follow_up_days"],
        "A referral is due for follow-up this many days after it is sent. 1 to 90 days.",
    )
    rescreen_days = _days(
        "Repeat the needs screen every (days)",
        *services.BOUNDS["rescreen_days"],
        "The health-related social needs screen is due at admission and again after this "
        "many days. 7 to 730 days.",
    )


def support_settings(request: HttpRequest, pk: int) -> HttpResponse:
    program = program_for(request, pk, Action.CARE_SETTINGS)
    current = policy_for(program.pk)
    initial = {
        "link_days": current.link_days,
        "follow_up_days": current.follow_up_days,
        "rescreen_days": current.rescreen_days,
    }
    form = SupportSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            lambda data: services.support_settings_set(
                actor=access.staff(request), program=program, data=data, request=request
            ),
        )
        if saved is not None:
            messages.success(request, "Support settings saved.")
            return redirect("support:settings", program.pk)
    return render_form(request, "support/settings.html", {"program": program, "form": form})
