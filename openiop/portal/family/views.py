"""The family member's portal: only what the patient's consent names, while it is in effect."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from openiop.portal import access


def family_home(request: HttpRequest) -> HttpResponse:
    allowed = access.family(request)
    return render(
        request,
        "portal/family/home.html",
        {"portal": allowed.account, "data": allowed.data},
    )
