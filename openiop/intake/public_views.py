"""The public self-check (no log-in). It stores nothing: no model is written, no audit event,
no session, no log line with the answers; the answers travel by POST and only come back in
the response."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from openiop.intake.crisis import crisis_resources
from openiop.intake.forms import SelfCheckForm
from openiop.intake.selfcheck import CRITERIA_MAP, evaluate

LOCATOR_URL = "/public/locator/"
COST_ESTIMATE_URL = "/public/cost-estimate/"
QUESTIONS = ("under_18", "danger_now", *CRITERIA_MAP, "mental_and_substance")


# No CSRF token: the page changes nothing and keeps no session, so there is nothing to forge,
# and a visitor whose browser refuses cookies must still get an answer.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def self_check(request: HttpRequest) -> HttpResponse:
    # Bound on every POST, also an empty one, so a blank submit shows the missing answers.
    form = SelfCheckForm(request.POST if request.method == "POST" else None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = evaluate(
            {name: form.yes(name) for name in QUESTIONS},
            for_self=form.cleaned_data["for_whom"] == "me",
        )
    return render(
        request,
        "intake/self_check.html",
        {
            "form": form,
            "result": result,
            "crisis": crisis_resources(),
            "locator_url": LOCATOR_URL,
            "cost_url": COST_ESTIMATE_URL,
            "section": "self_check",
        },
        status=422 if request.method == "POST" and result is None else 200,
    )
