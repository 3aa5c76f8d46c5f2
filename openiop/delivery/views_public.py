"""The public check-in page (/public/check-in/): no log-in, never any patient data out.

The answer is the same generic sentence whether the code, the record number or the date of
birth was wrong, so the page cannot be used to learn whether a record exists; attempts are
rate-limited per address (stored as an HMAC, not the address).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from openiop.core import clientip
from openiop.delivery import services
from openiop.delivery.forms import PublicCheckInForm


@never_cache
def check_in(request: HttpRequest) -> HttpResponse:
    form = PublicCheckInForm(request.POST if request.method == "POST" else None)
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result = services.self_check_in(
                code=form.cleaned_data["code"],
                mrn=form.cleaned_data["mrn"],
                date_of_birth=form.cleaned_data["date_of_birth"],
                leaving=form.cleaned_data["leaving"],
                client_ip=clientip.client_ip(request),
                request=request,
            )
            if result.ok:
                form = PublicCheckInForm()
            else:
                status = 429 if result.throttled else 422
        else:
            status = 422
    return render(
        request, "delivery/public_check_in.html", {"form": form, "result": result}, status=status
    )
