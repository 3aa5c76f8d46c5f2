"""Pages of the locator.

Public (no log-in, never PHI out): the public home (at / for visitors who are not logged in),
search, each program's page, cost estimate, referral request and its fixed confirmation page. Staff (under /locator/, administrators only): the directory
overview, publishing, CSV import with its rejected rows, and each program's listing and fees.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from openiop.accounts.models import User
from openiop.core import access, audit, clientip, policy
from openiop.core.forms import submit
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.domain.costing import DEFAULT_FEE_SCHEDULE, CostingInputError
from openiop.locator import antispam, costs, importer, selectors, services
from openiop.locator.codes import LANGUAGE_LABELS, CareType, Payment, Population, languages_list
from openiop.locator.forms import (
    CONSENT_TEXT,
    CostEstimateForm,
    FeeForm,
    ImportForm,
    ListingForm,
    ReferralForm,
    SearchForm,
)
from openiop.locator.models import (
    Facility,
    FacilitySource,
    FeeScheduleSetting,
    ImportRun,
    ProgramListing,
)
from openiop.locator.publishing import availability
from openiop.organization.models import Program

# --- Public pages -----------------------------------------------------------------------------


# A link the visitor may follow to a map of the address; nothing is fetched from it here.
MAP_SEARCH_URL = "https://www.openstreetmap.org/search"


def public_home(request: HttpRequest) -> HttpResponse:
    """The front door for visitors: find a program, the self-check, costs, crisis numbers."""
    context = {
        "form": SearchForm(),
        "programs": selectors.published_programs(),
        "section": "home",
    }
    return render(request, "locator/home.html", context)


def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.program_page(pk)
    if page is None:
        return render(request, "locator/not_found.html", {"section": ""}, status=404)
    facility = page.hit.facility
    place = ", ".join(
        part
        for part in (facility.address, facility.city, f"{facility.state} {facility.zip_code}")
        if part.strip()
    )
    context = {
        "page": page,
        "hit": page.hit,
        "facility": facility,
        "map_url": f"{MAP_SEARCH_URL}?{urlencode({'query': place})}",
        "section": "",
    }
    return render(request, "locator/program.html", context)


def search(request: HttpRequest) -> HttpResponse:
    searched = "zip" in request.GET
    if searched:
        try:
            services.search_attempt_record(client_ip=clientip.client_ip(request))
        except services.RateLimited:
            return render(request, "locator/search_limited.html", status=429)
    form = SearchForm(request.GET if searched else None)
    result = None
    if searched and form.is_valid():
        result = selectors.facility_search(form.params())
    context = {"form": form, "result": result, "searched": searched, "section": "search"}
    status = 422 if searched and form.errors else 200
    return render(request, "locator/search.html", context, status=status)


def _facility_param(request: HttpRequest) -> Any:
    return request.POST.get("facility") or request.GET.get("facility")


def cost_estimate(request: HttpRequest) -> HttpResponse:
    facility = selectors.own_facility(_facility_param(request))
    choice = costs.schedule_for(facility)
    form = CostEstimateForm(
        request.POST or None, schedule=choice.schedule, program_set=choice.program_set
    )
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = costs.run_estimate(
                choice,
                days_per_week=data["days_per_week"],
                weeks=data["weeks"],
                population=data["population"],
                services=tuple(data.get("services") or ()),
                amenities=tuple(data.get("amenities") or ()),
                insurance=form.insurance(),
                location_cost_index=data.get("location_cost_index"),
            )
        except CostingInputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
    context = {
        "form": form,
        "facility": facility,
        "choice": choice,
        "estimate": result,
        "section": "cost",
    }
    status = 422 if request.method == "POST" and form.errors else 200
    return render(request, "locator/cost_estimate.html", context, status=status)


SOURCE_OF = {"self": "self", "family": "family", "physician": "physician"}


def _availability_of(facility: Facility | None) -> str:
    """Live room in an OpenIOP program ("open", "waiting_list", "closed"); "" otherwise."""
    if facility is None or facility.source != FacilitySource.OWN or facility.program is None:
        return ""
    program = facility.program
    facts = selectors.own_facts([(program.pk, program.accepting_new_patients)])[program.pk]
    return availability(facts.accepting, facts.openings).value


def referral(request: HttpRequest) -> HttpResponse:
    facility = selectors.own_facility(_facility_param(request))
    if request.method == "POST":
        form = ReferralForm(request.POST)
        verdict = form.verdict()
        client_ip = clientip.client_ip(request)
        if verdict is antispam.Verdict.HONEYPOT:
            # Answer a bot as if it had succeeded: it learns nothing, nothing is stored.
            try:
                services.referral_request_reject(
                    client_ip=client_ip, reason="honeypot", request=request
                )
            except services.RateLimited:
                return _rate_limited(request)
            return redirect("locator_public:referral_thanks")
        if verdict is not antispam.Verdict.OK:
            if verdict is antispam.Verdict.TOO_FAST:
                try:
                    services.referral_request_reject(
                        client_ip=client_ip, reason="too fast", request=request
                    )
                except services.RateLimited:
                    return _rate_limited(request)
                form.add_error(
                    None, "That was very fast. Please check your answers and send again."
                )
            else:
                form.add_error(
                    None, "This form has expired. Please check your answers and send again."
                )
        elif form.is_valid() and facility is not None:
            try:
                submitted = submit(
                    form,
                    lambda data: services.referral_request_submit(
                        facility=facility,
                        client_ip=client_ip,
                        source=SOURCE_OF[data["who"]],
                        person={
                            "first_name": data["first_name"],
                            "last_name": data["last_name"],
                            "phone": data["phone"],
                            "email": data["email"],
                            "preferred_language": LANGUAGE_LABELS.get(
                                data.get("preferred_language") or "", ""
                            ),
                        },
                        referrer={
                            "referrer_name": data["referrer_name"],
                            "referrer_organization": data["referrer_organization"],
                            "referrer_phone": data["referrer_phone"],
                        },
                        reason=data["reason"],
                        consent_text=CONSENT_TEXT,
                        request=request,
                    ),
                )
            except services.RateLimited:
                return _rate_limited(request)
            if submitted is not None:
                # A fixed address: nothing about the person or the program in the URL.
                return redirect("locator_public:referral_thanks")
        elif facility is None:
            form.add_error(None, "Choose a program first.")
        status = 422
    else:
        form = ReferralForm(
            initial={"facility": facility.pk if facility else None, "preferred_language": "english"}
        )
        status = 200
    context = {
        "form": form,
        "facility": facility,
        "takes_referrals": facility is not None and facility.source == FacilitySource.OWN,
        "availability": _availability_of(facility),
        "consent_text": CONSENT_TEXT,
        "form_token": antispam.issue_token(),  # fresh on every render, also after an error
    }
    return render(request, "locator/referral.html", context, status=status)


def _rate_limited(request: HttpRequest) -> HttpResponse:
    return render(request, "locator/referral_limited.html", status=429)


def referral_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "locator/referral_thanks.html")


# --- Administrator pages ---------------------------------------------------------------------


def _administrator(request: HttpRequest) -> User:
    """The administrator asking (403 and an audited denial for any other role)."""
    user = access.staff(request)
    policy.require(user, Action.LOCATOR_MANAGE, request=request, object_type="locator.directory")
    return user


def _program_for(user: User, pk: int, request: HttpRequest) -> Program:
    """A program of the user's organization (404 and an audited denial otherwise)."""
    program = (
        Program.objects.select_related("site__organization")
        .filter(pk=pk, site__organization_id=access.organization_id(user))
        .first()
    )
    if program is None:
        audit.record(
            actor=user,
            action=AuditAction.DENIED,
            object_type="organization.program",
            object_id=str(pk),
            request=request,
            part2=False,
            detail="program outside the user's organization, or unknown",
        )
        raise Http404("No such program.")
    return program


def directory(
    request: HttpRequest, import_form: ImportForm | None = None, status: int = 200
) -> HttpResponse:
    user = _administrator(request)
    organization = user.organization
    assert organization is not None
    context = {
        "rows": selectors.directory_overview(organization),
        "runs": selectors.import_runs(organization),
        "imported": selectors.imported_count(organization),
        "import_form": import_form or ImportForm(),
    }
    return render(request, "locator/directory.html", context, status=status)


@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    user = _administrator(request)
    assert user.organization is not None
    result = services.directory_publish(actor=user, organization=user.organization, request=request)
    messages.success(
        request,
        f"Published {len(result.published)} program(s)"
        + (f"; withdrew {result.removed}" if result.removed else "")
        + ".",
    )
    for reason in result.skipped:
        messages.warning(request, reason)
    return redirect("locator:directory")


@require_POST
def import_upload(request: HttpRequest) -> HttpResponse:
    user = _administrator(request)
    assert user.organization is not None
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > importer.MAX_BYTES:
            form.add_error("file", "The file is larger than 20 MB.")
        else:
            try:
                run = services.facility_import_csv(
                    actor=user,
                    organization=user.organization,
                    data=upload.read(),
                    file_name=upload.name or "upload.csv",
                    request=request,
                )
            except importer.ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(
                    request,
                    f"Imported {run.created} new and {run.updated} updated facilities; "
                    f"{run.rejected} row(s) rejected.",
                )
                return redirect("locator:import_run", pk=run.pk)
    return directory(request, import_form=form, status=422)


def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    user = _administrator(request)
    run = ImportRun.objects.filter(pk=pk, organization_id=access.organization_id(user)).first()
    if run is None:
        audit.record(
            actor=user,
            action=AuditAction.DENIED,
            object_type="locator.importrun",
            object_id=str(pk),
            request=request,
            part2=False,
            detail="import run of another organization, or unknown",
        )
        raise Http404("No such import.")
    return render(request, "locator/import_run.html", {"run": run})


def _listing_initial(program: Program) -> dict[str, Any]:
    listing = ProgramListing.objects.filter(program=program).first() or ProgramListing(
        program=program
    )
    return {
        "published": listing.published,
        "payments": Payment.keys_in(listing.payments),
        "languages": languages_list(listing.languages),
        "telehealth": listing.telehealth,
        "extra_care_types": CareType.keys_in(listing.extra_care_types),
        "extra_populations": Population.keys_in(listing.extra_populations),
        "phone": listing.phone,
        "website": listing.website,
    }


def _fee_form(program: Program, data: Any = None) -> FeeForm:
    services_labels = {k: v.label for k, v in DEFAULT_FEE_SCHEDULE.services.items()}
    populations = list(DEFAULT_FEE_SCHEDULE.population_multipliers)
    setting = FeeScheduleSetting.objects.filter(program=program).first()
    initial: dict[str, Any] = {
        "daily_rate_low": DEFAULT_FEE_SCHEDULE.daily_rate_low,
        "daily_rate_high": DEFAULT_FEE_SCHEDULE.daily_rate_high,
        "location_cost_index": Decimal("1.00"),
    }
    if setting is not None:
        initial.update(
            daily_rate_low=setting.daily_rate_low,
            daily_rate_high=setting.daily_rate_high,
            daily_rate_expected=setting.daily_rate_expected,
            location_cost_index=setting.location_cost_index,
        )
        for key, spec in (setting.services or {}).items():
            initial[f"service_{key}"] = spec.get("price")
        for key, value in (setting.populations or {}).items():
            initial[f"population_{key}"] = value
    return FeeForm(data, initial=initial, services=services_labels, populations=populations)


def program_settings(request: HttpRequest, pk: int) -> HttpResponse:
    user = _administrator(request)
    program = _program_for(user, pk, request)
    listing_form = ListingForm(initial=_listing_initial(program))
    fee_form = _fee_form(program)
    status = 200
    if request.method == "POST":
        if request.POST.get("form") == "listing":
            listing_form = ListingForm(request.POST)
            if listing_form.is_valid():
                listing = submit(
                    listing_form,
                    lambda data: services.program_listing_set(
                        actor=user,
                        program=program,
                        data=services.ListingData(
                            published=data["published"],
                            payments=data["payments"],
                            languages=data["languages"],
                            telehealth=data["telehealth"],
                            extra_care_types=data["extra_care_types"],
                            extra_populations=data["extra_populations"],
                            phone=data["phone"],
                            website=data["website"],
                        ),
                        request=request,
                    ),
                )
                if listing is not None:
                    messages.success(request, "Listing saved and republished.")
                    return redirect("locator:program", pk=program.pk)
        elif request.POST.get("form") == "fees":
            fee_form = _fee_form(program, request.POST)
            if fee_form.is_valid():
                fees = submit(
                    fee_form,
                    lambda data: services.fee_schedule_set(
                        actor=user,
                        program=program,
                        data=services.FeeData(
                            daily_rate_low=data["daily_rate_low"],
                            daily_rate_high=data["daily_rate_high"],
                            daily_rate_expected=data.get("daily_rate_expected"),
                            location_cost_index=data["location_cost_index"],
                            service_prices={
                                k: data.get(f"service_{k}") for k in fee_form.service_keys
                            },
                            population_multipliers={
                                k: data.get(f"population_{k}") for k in fee_form.population_keys
                            },
                        ),
                        request=request,
                    ),
                )
                if fees is not None:
                    messages.success(request, "Fee schedule saved.")
                    return redirect("locator:program", pk=program.pk)
        status = 422
    context = {
        "program": program,
        "listing_form": listing_form,
        "fee_form": fee_form,
        "service_fields": [fee_form[f"service_{k}"] for k in fee_form.service_keys],
        "population_fields": [fee_form[f"population_{k}"] for k in fee_form.population_keys],
    }
    return render(request, "locator/program_settings.html", context, status=status)
