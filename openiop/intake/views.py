"""Intake pages: referral board and referrals, screenings and safety tasks, level of care,
admission with the weekly availability grid, program policy.

Every view gets the user with `access.staff`, objects through `core.access` getters (404
and an audited denial for anything outside the user's sites and programs), writes through
one `intake.services` function, and audits every view of patient data. Bad input re-renders
the form with status 422 and field-level errors; nothing partial is saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from openiop.accounts.models import User
from openiop.core import access, audit, policy
from openiop.core.forms import INVALID, form_status, render_form, submit
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.domain.compliance import AvailabilityCheck, is_adolescent
from openiop.domain.placement import PlacementInputError
from openiop.domain.screening import INSTRUMENTS
from openiop.intake import selectors, services
from openiop.intake.crisis import crisis_resources
from openiop.intake.forms import (
    INPATIENT,
    IOP_FIT,
    AdmitForm,
    AvailabilityForm,
    LinkPatientForm,
    MoveForm,
    PlacementForm,
    PolicyForm,
    ReferralForm,
    SafetyTaskAssignForm,
    SafetyTaskCompleteForm,
)
from openiop.intake.instruments import (
    ScreeningForm,
    band_label,
    flag_labels,
    instrument_choices,
    instrument_name,
)
from openiop.intake.models import (
    PlacementDecision,
    PlacementPolicySetting,
    Referral,
    SafetyTask,
    ScreeningResponse,
)
from openiop.intake.placement import (
    CONDITION_CHOICES,
    SCREENING_FACT_FIELDS,
    UnexplainedChange,
    assess,
    latest_screening_facts,
    latest_screens,
    level_label,
    policy_overrides,
    propose_for,
)
from openiop.organization.models import Program
from openiop.organization.selectors import org_programs, programs_for_user, sites_for_user
from openiop.patients.forms import RegisterForm
from openiop.patients.models import Patient
from openiop.patients.selectors import possible_duplicates
from openiop.patients.services import PATIENT_FIELDS


def _view(
    request: HttpRequest,
    user: User,
    *,
    obj: Any,
    patient: Any,
    fields: list[str],
    detail: str,
    organization_id: int | None = None,
) -> None:
    audit.record(
        actor=user,
        action=AuditAction.VIEW,
        patient=patient,
        obj=obj,
        fields=fields,
        request=request,
        detail=detail,
        organization_id=organization_id,
        part2=True,
    )


def _denied(request: HttpRequest, user: User, object_type: str, pk: int, detail: str) -> Http404:
    audit.record(
        actor=user,
        action=AuditAction.DENIED,
        object_type=object_type,
        object_id=str(pk),
        request=request,
        detail=detail,
        part2=False,
    )
    return Http404("Not found.")


def _owned(
    request: HttpRequest, user: User, model: type[Any], pk: int, action: Action
) -> tuple[Any, Patient]:
    """An intake object of a patient the user may see (404 + audited denial otherwise), for
    an action the user's role allows (403 + audited denial otherwise)."""
    patient_id = model.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
    if patient_id is None:
        raise _denied(request, user, model._meta.label_lower, pk, "unknown intake object")
    patient = access.patient_for(user, patient_id, action=action, request=request)
    return model.objects.get(pk=pk), patient


# --------------------------------------------------------------------------- referrals


def board(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.REFERRAL_READ, request=request, object_type="intake.referral")
    columns = selectors.board(user)
    shown = [r for c in columns for r in c.referrals]
    audit.record(
        actor=user,
        action=AuditAction.QUERY,
        object_type="intake.referral",
        fields=["first_name", "last_name", "source", "stage"],
        request=request,
        detail=f"referral board; shown ids: {','.join(str(r.pk) for r in shown)}"[:500],
        part2=bool(shown),
    )
    return render(
        request,
        "intake/board.html",
        {
            "columns": columns,
            "can_write": policy.allows(user, Action.REFERRAL_WRITE),
            "stale_days": selectors.STALE_DAYS,
            "closed_days": selectors.CLOSED_RECENT_DAYS,
        },
    )


def referral_create(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.REFERRAL_WRITE, request=request, object_type="intake.referral")
    form = ReferralForm(request.POST or None, programs=programs_for_user(user))
    if request.method == "POST" and form.is_valid():
        referral = submit(
            form,
            lambda data: services.referral_create(
                actor=user,
                organization=user.organization,  # type: ignore[arg-type]
                program=data.get("program"),
                source=data["source"],
                person={k: data[k] for k in ReferralForm.PERSON if data.get(k) not in ("", None)},
                referrer={k: data[k] for k in ReferralForm.REFERRER if data.get(k)},
                reason=data.get("reason", ""),
                request=request,
            ),
        )
        if referral is not None:
            messages.success(request, "Referral recorded at stage Inquiry.")
            return redirect("intake:referral", pk=referral.pk)
    return render_form(request, "intake/referral_form.html", {"form": form})


def _referral_page(
    request: HttpRequest,
    user: User,
    referral: Referral,
    *,
    move_form: MoveForm | None = None,
    link_form: LinkPatientForm | None = None,
    status: int = 200,
) -> HttpResponse:
    _view(
        request,
        user,
        obj=referral,
        patient=referral.patient_id,
        fields=["person", "referrer", "reason", "history"],
        detail="referral",
        organization_id=referral.organization_id,
    )
    can_write = policy.allows(user, Action.REFERRAL_WRITE)
    return render(
        request,
        "intake/referral_detail.html",
        {
            "referral": referral,
            "events": list(referral.events.select_related("actor")),
            "can_write": can_write,
            "closed": referral.stage in services.CLOSED_STAGES,
            "move_form": move_form or MoveForm(current=referral.stage),
            "link_form": link_form or LinkPatientForm(),
            "can_admit": services.can_admit(user),
            "can_screen": services.can_screen(user),
            "days_in_stage": (timezone.now() - referral.stage_changed_at).days,
        },
        status=status,
    )


def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    referral = access.referral_for(user, pk, request=request)
    return _referral_page(request, user, referral)


@require_POST
def referral_move(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    referral = access.referral_for(user, pk, write=True, request=request)
    form = MoveForm(request.POST, current=referral.stage)
    if form.is_valid():
        moved = submit(
            form,
            lambda data: services.referral_move(
                actor=user,
                referral=referral,
                to_stage=data["to_stage"],
                reason=data["reason"],
                request=request,
            ),
        )
        if moved is not None:
            messages.success(request, "Referral moved.")
            return redirect("intake:referral", pk=referral.pk)
    return _referral_page(request, user, referral, move_form=form, status=INVALID)


@require_POST
def referral_link(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    referral = access.referral_for(user, pk, write=True, request=request)
    form = LinkPatientForm(request.POST)
    if form.is_valid():
        patient = (
            access.patients_visible_to(user)
            .filter(organization_id=referral.organization_id, mrn=form.cleaned_data["mrn"].strip())
            .first()
        )
        if patient is None:
            form.add_error("mrn", "No patient with this record number at your sites and programs.")
        else:
            linked = submit(
                form,
                lambda _: services.referral_link_patient(
                    actor=user, referral=referral, patient=patient, request=request
                ),
            )
            if linked is not None:
                messages.success(request, f"Linked to {patient.full_name}.")
                return redirect("intake:referral", pk=referral.pk)
    return _referral_page(request, user, referral, link_form=form, status=INVALID)


@require_http_methods(["GET", "POST"])
def referral_register(request: HttpRequest, pk: int) -> HttpResponse:
    """Register the referred person as a patient, prefilled from the referral."""
    user = access.staff(request)
    referral = access.referral_for(user, pk, write=True, request=request)
    if referral.patient_id is not None:
        messages.info(request, "This referral is already linked to a patient.")
        return redirect("intake:referral", pk=referral.pk)
    initial = {
        "first_name": referral.first_name,
        "last_name": referral.last_name,
        "date_of_birth": referral.date_of_birth,
        "phone": referral.phone,
        "email": referral.email,
        "preferred_language": referral.preferred_language or "English",
        "program": referral.program_id,
        "site": referral.program.site_id if referral.program else None,
    }
    form = RegisterForm(
        request.POST or None,
        initial=initial,
        sites=sites_for_user(user),
        programs=programs_for_user(user),
    )
    duplicates: list[Patient] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        duplicates = list(
            access.patients_visible_to(user).filter(
                pk__in=possible_duplicates(
                    organization_id=referral.organization_id,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    date_of_birth=data["date_of_birth"],
                ).values("pk")
            )
        )
        if duplicates and not data.get("confirm_not_duplicate"):
            form.add_error(
                None,
                "A patient with this name and date of birth is already registered: link the "
                "referral to that record, or tick 'register anyway'.",
            )
        else:
            patient = submit(
                form,
                lambda data: services.referral_register_patient(
                    actor=user,
                    referral=referral,
                    site=data["site"],
                    program=data.get("program"),
                    data={k: data[k] for k in PATIENT_FIELDS},
                    emergency_contact={
                        "name": data.get("ec_name", ""),
                        "relationship": data.get("ec_relationship") or "Emergency contact",
                        "phone": data.get("ec_phone", ""),
                    },
                    request=request,
                ),
            )
            if patient is not None:
                messages.success(request, f"Registered {patient.full_name} (record {patient.mrn}).")
                return redirect("intake:referral", pk=referral.pk)
    elif request.method == "GET":
        _view(
            request,
            user,
            obj=referral,
            patient=None,
            fields=["person"],
            detail="referral registration form",
            organization_id=referral.organization_id,
        )
    return render_form(
        request,
        "intake/referral_register.html",
        {"form": form, "referral": referral, "duplicates": duplicates},
    )


# --------------------------------------------------------------------------- screening


def screening_choose(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.SCREENING_READ, request=request)
    age = patient.age_on(timezone.localdate())
    _view(
        request,
        user,
        obj=patient,
        patient=patient,
        fields=["date_of_birth"],
        detail="screening: choose an instrument",
    )
    return render(
        request,
        "intake/screening_choose.html",
        {
            "patient": patient,
            "age": age,
            "choices": instrument_choices(age),
            "can_screen": services.can_screen(user),
        },
    )


def screening_new(request: HttpRequest, pk: int, instrument: str) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.SCREENING_RECORD, request=request)
    definition = INSTRUMENTS.get(instrument)
    if definition is None:
        raise Http404("No such instrument.")
    form = ScreeningForm(request.POST or None, instrument=definition)
    partial_urgent = False
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        try:
            screening = services.screening_record(
                actor=user,
                patient=patient,
                instrument_id=definition.id,
                answers=answers,
                request=request,
            )
        except ValidationError as exc:
            partial_urgent = form.refused(exc.message_dict, answers)
        else:
            return redirect("intake:screening", pk=screening.pk)
    return render(
        request,
        "intake/screening_form.html",
        {
            "patient": patient,
            "instrument": definition,
            "form": form,
            "partial_urgent": partial_urgent,
            "crisis": crisis_resources(),
        },
        status=form_status(request),
    )


def screening_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    screening, patient = _owned(request, user, ScreeningResponse, pk, Action.SCREENING_READ)
    _view(
        request,
        user,
        obj=screening,
        patient=patient,
        fields=["answers", "score"],
        detail=f"screening {screening.instrument}",
    )
    urgent_flags = [f for f in flag_labels(screening.instrument, screening.flags) if f[2]]
    return render(
        request,
        "intake/screening_detail.html",
        {
            "patient": patient,
            "screening": screening,
            "name": instrument_name(screening.instrument),
            "band": band_label(screening.instrument, screening.band),
            "flags": flag_labels(screening.instrument, screening.flags),
            "urgent": bool(urgent_flags),
            "tasks": list(screening.safety_tasks.select_related("assigned_to")),
            "crisis": crisis_resources(),
            "answers": screening.response.get("item", []),
        },
    )


# --------------------------------------------------------------------------- safety tasks


def safety_task_list(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.SAFETY_TASK_READ, request=request, object_type="intake.safetytask")
    show_done = request.GET.get("done") == "1"
    tasks = list(selectors.safety_tasks(user, include_done=show_done)[:200])
    audit.record(
        actor=user,
        action=AuditAction.QUERY,
        object_type="intake.safetytask",
        fields=["patient", "flags", "status"],
        request=request,
        detail=f"safety tasks; shown ids: {','.join(str(t.pk) for t in tasks)}"[:500],
        part2=bool(tasks),
    )
    clinicians = _clinicians(user)
    return render(
        request,
        "intake/safety_tasks.html",
        {
            "tasks": tasks,
            "show_done": show_done,
            "can_act": services.is_clinician(user),
            "assign_form": SafetyTaskAssignForm(clinicians=clinicians),
            "complete_form": SafetyTaskCompleteForm(),
            "crisis": crisis_resources(),
        },
    )


def _clinicians(user: User) -> Any:
    return User.objects.filter(
        organization_id=access.organization_id(user),
        is_active=True,
        role__in=policy.roles_for(Action.SAFETY_TASK_ACT),
    ).order_by("last_name", "first_name", "username")


def _task_page(
    request: HttpRequest,
    user: User,
    task: SafetyTask,
    patient: Patient,
    *,
    assign_form: SafetyTaskAssignForm | None = None,
    complete_form: SafetyTaskCompleteForm | None = None,
    in_scope: bool = True,
) -> HttpResponse:
    _view(
        request,
        user,
        obj=task,
        patient=patient,
        fields=["flags", "status", "assigned_to"],
        detail="task" if in_scope else "task raised by the user; patient outside their scope",
    )
    return render(
        request,
        "intake/safety_task.html",
        {
            "task": task,
            "patient": patient,
            "in_scope": in_scope,
            "can_act": in_scope and services.is_clinician(user),
            "assign_form": assign_form or SafetyTaskAssignForm(clinicians=_clinicians(user)),
            "complete_form": complete_form or SafetyTaskCompleteForm(),
            "crisis": crisis_resources(),
        },
        status=INVALID if (assign_form or complete_form) else 200,
    )


def safety_task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    task, patient, in_scope = access.safety_task_for(user, pk, request=request)
    return _task_page(request, user, task, patient, in_scope=in_scope)


@require_POST
def safety_task_assign(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    task, patient, _ = access.safety_task_for(
        user, pk, action=Action.SAFETY_TASK_ACT, request=request
    )
    form = SafetyTaskAssignForm(request.POST, clinicians=_clinicians(user))
    if form.is_valid():
        assigned = submit(
            form,
            lambda data: services.safety_task_assign(
                actor=user, task=task, assignee=data["assignee"], request=request
            ),
            rename={"assigned_to": "assignee"},
        )
        if assigned is not None:
            messages.success(request, "Task assigned.")
            return redirect("intake:safety_tasks")
    return _task_page(request, user, task, patient, assign_form=form)


@require_POST
def safety_task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    task, patient, _ = access.safety_task_for(
        user, pk, action=Action.SAFETY_TASK_ACT, request=request
    )
    form = SafetyTaskCompleteForm(request.POST)
    if form.is_valid():
        completed = submit(
            form,
            lambda data: services.safety_task_complete(
                actor=user, task=task, note=data["note"], request=request
            ),
        )
        if completed is not None:
            messages.success(request, "Task completed.")
            return redirect("intake:safety_tasks")
    return _task_page(request, user, task, patient, complete_form=form)


# --------------------------------------------------------------------------- level of care


def _suggested_conditions(patient: Patient) -> list[str]:
    """Conditions suggested by recent positive screens (the clinician confirms)."""
    flags: set[str] = set()
    for flag_list in ScreeningResponse.objects.filter(patient=patient).values_list(
        "flags", flat=True
    )[:50]:
        flags.update(flag_list or [])
    suggested = []
    if flags & {"dast10_further_assessment", "crafft_positive"}:
        suggested.append("substance_use")
    if flags & {"audit_positive", "audit_c_positive_men", "audit_c_positive_women"}:
        suggested.append("alcohol")
    if flags & {"gad7_positive", "pcl5_probable_ptsd", "suicidal_ideation"}:
        suggested.append("mental_health")
    if "scoff_possible_eating_disorder" in flags:
        suggested.append("eating_disorder")
    return suggested


def placement_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The level-of-care form: each dimension pre-filled with the rating and evidence proposed
    from the latest screenings; a changed rating needs a reason (422 otherwise)."""
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.PLACEMENT_DECIDE, request=request)
    screens = latest_screens(patient)
    proposal = propose_for(patient, patient.program, screens=screens)
    initial = PlacementForm.initial_from(proposal, _suggested_conditions(patient))
    form = PlacementForm(request.POST or None, initial=initial)
    assessed = None
    ok = True
    saving = request.POST.get("action") == "save"
    if request.method == "POST":
        ok = form.is_valid()
        if ok:
            proposal = propose_for(patient, patient.program, form.assessment(), screens=screens)
            try:
                assessed = assess(form.assessment(), patient=patient, program=patient.program)
            except UnexplainedChange as exc:
                for name, message in exc.errors.items():
                    form.add_error(name, message)
                ok = False
            except PlacementInputError as exc:
                form.add_error(None, str(exc))
                ok = False
        if ok and saving and form.check_decision():
            decision = submit(
                form,
                lambda data: services.placement_decide(
                    actor=user,
                    patient=patient,
                    assessment=form.assessment(),
                    accept=data["decision"] == "accept",
                    override_level=data.get("override_level") or "",
                    override_reason=data.get("override_reason") or "",
                    request=request,
                ),
            )
            if decision is not None:
                messages.success(request, "Level-of-care decision saved.")
                return redirect("intake:placement", pk=decision.pk)
        if saving and form.errors:
            ok = False
    else:
        _view(
            request,
            user,
            obj=patient,
            patient=patient,
            fields=["screenings"],
            detail="level-of-care assessment form",
        )
    recommendation = assessed.recommendation if assessed else None
    return render(
        request,
        "intake/placement_form.html",
        {
            "patient": patient,
            "form": form,
            "iop_fit": form.criteria_fields(IOP_FIT),
            "inpatient": form.criteria_fields(INPATIENT),
            "fact_fields": form.criteria_fields(SCREENING_FACT_FIELDS),
            "dimensions": form.dimension_rows(proposal),
            "screening_facts": latest_screening_facts(patient, screens=screens),
            "recommendation": recommendation,
            "level": level_label(recommendation.level.value) if recommendation else "",
            "crisis": crisis_resources(),
        },
        status=200 if ok else form_status(request),
    )


def placement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    decision, patient = _owned(request, user, PlacementDecision, pk, Action.PLACEMENT_READ)
    _view(
        request,
        user,
        obj=decision,
        patient=patient,
        fields=["dimensions", "criteria", "decision"],
        detail="level-of-care decision",
    )
    condition_labels = dict(CONDITION_CHOICES)
    return render(
        request,
        "intake/placement_detail.html",
        {
            "patient": patient,
            "decision": decision,
            "recommended": level_label(decision.recommended_level),
            "final": level_label(decision.final_level),
            "conditions": [
                condition_labels.get(c, c) for c in decision.screening.get("conditions", [])
            ],
            "crisis": crisis_resources(),
        },
    )


# --------------------------------------------------------------------------- enrolment


def admit(request: HttpRequest, pk: int) -> HttpResponse:
    """Admit to a program (chosen with ?program=<id>) and its tracks, with availability."""
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.ADMISSION_ADMIT, request=request)
    programs = programs_for_user(user).filter(site__organization_id=patient.organization_id)
    referral = None
    referral_id = request.POST.get("referral") or request.GET.get("referral")
    if referral_id:
        referral = access.referral_for(user, referral_id, write=True, request=request)
    program_id = request.POST.get("program") or request.GET.get("program")
    if not program_id:
        default = referral.program if referral and referral.program else patient.program
        program_id = str(default.pk) if default else ""
    program = programs.filter(pk=program_id).first() if program_id.isdigit() else None
    form = None
    hours_check: AvailabilityCheck | None = None
    if program is not None:
        today = timezone.localdate()
        form = AdmitForm(
            request.POST or None,
            tracks=list(program.tracks.order_by("name")),
            counselors=services.counselors_for(program),
            initial_blocks=selectors.availability_blocks(patient),
            adolescent=is_adolescent(patient.date_of_birth, today),
        )
        hours_check = selectors.admission_availability(
            form.draft_blocks(), form.draft_tracks(), born=patient.date_of_birth, on=today
        )
        if request.method == "POST" and request.POST.get("check"):
            # The live warning while the form is filled in: nothing is saved.
            return render(
                request, "intake/partials/admit_warning.html", {"hours_check": hours_check}
            )
        if request.method == "POST" and form.is_valid():
            admission = submit(
                form,
                lambda data: services.patient_admit(
                    actor=user,
                    patient=patient,
                    program=program,
                    tracks=form.chosen_tracks(),
                    starts_on=data["starts_on"],
                    primary_counselor=data["primary_counselor"],
                    hours_change_reason=data.get("hours_change_reason") or "",
                    availability=form.blocks(),
                    referral=referral,
                    notice=data["notice"],
                    notice_acknowledged=data.get("notice_acknowledged") or False,
                    request=request,
                ),
            )
            if admission is not None:
                messages.success(request, f"Admitted to {admission.program.name}.")
                if not hours_check.enough:
                    messages.warning(request, hours_check.warning)
                return redirect("patients:chart_tab", pk=patient.pk, tab="intake")
    elif request.method == "POST":
        raise Http404("No such program.")
    if request.method == "GET":
        _view(
            request,
            user,
            obj=patient,
            patient=patient,
            fields=["enrollments", "availability"],
            detail="admission form",
        )
    latest = PlacementDecision.objects.filter(patient=patient).first()
    return render_form(
        request,
        "intake/admit.html",
        {
            "patient": patient,
            "programs": programs,
            "program": program,
            "form": form,
            "referral": referral,
            "latest_decision": latest,
            "latest_level": level_label(latest.final_level) if latest else "",
            "hours_check": hours_check,
        },
    )


def availability_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    patient = access.patient_for(user, pk, action=Action.AVAILABILITY_EDIT, request=request)
    form = AvailabilityForm(
        request.POST or None, initial_blocks=selectors.availability_blocks(patient)
    )
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            lambda _: services.availability_set(
                actor=user, patient=patient, blocks=form.blocks(), request=request
            ),
        )
        if saved is not None:
            messages.success(request, "Weekly availability saved.")
            return redirect("patients:chart_tab", pk=patient.pk, tab="intake")
    elif request.method == "GET":
        _view(
            request,
            user,
            obj=patient,
            patient=patient,
            fields=["availability"],
            detail="availability form",
        )
    return render_form(request, "intake/availability.html", {"patient": patient, "form": form})


# --------------------------------------------------------------------------- policy


def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.staff(request)
    program = org_programs(user).filter(pk=pk).first()
    if program is None:
        raise _denied(request, user, "organization.program", pk, "program of another organization")
    policy.require(user, Action.INTAKE_POLICY_MANAGE, request=request, obj=program)
    placement, screening = policy_overrides(program)
    form = PolicyForm(request.POST or None, initial=PolicyForm.initial_from(placement, screening))
    if request.method == "POST" and form.is_valid():
        new_placement, new_screening = form.overrides()
        saved_policy = submit(
            form,
            lambda _: services.placement_policy_set(
                actor=user,
                program=program,
                placement=new_placement,
                screening=new_screening,
                request=request,
            ),
        )
        if saved_policy is not None:
            messages.success(request, f"Policy of {program.name} saved.")
            return redirect("intake:policy", pk=program.pk)
    setting = PlacementPolicySetting.objects.filter(program=program).first()
    return render_form(
        request, "intake/policy.html", {"program": program, "form": form, "setting": setting}
    )


def policy_list(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.INTAKE_POLICY_MANAGE, request=request, object_type="intake.policy")
    programs: list[Program] = list(org_programs(user).order_by("site__name", "name"))
    configured = set(
        PlacementPolicySetting.objects.filter(program__in=programs).values_list(
            "program_id", flat=True
        )
    )
    return render(
        request,
        "intake/policy_list.html",
        {"programs": [(p, p.pk in configured) for p in programs]},
    )
