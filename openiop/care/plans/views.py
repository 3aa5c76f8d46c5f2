"""Treatment-plan pages: start a plan, edit a version (problems, goals, objectives,
interventions; the patient's signature; revise), objective status and linked progress.

Every page gets the patient through ``care.access`` (404 and an audited denial for anyone
else's patient) and the plan or objective inside that patient; writes need a clinician and go
through one service each; invalid input re-renders with status 422.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from openiop.accounts.models import User
from openiop.care import access as care_access
from openiop.care import pages
from openiop.care.common import OPEN_ENROLLMENT
from openiop.care.models import Goal, Objective, PlanStatus, Problem, TreatmentPlan
from openiop.care.plans import services
from openiop.care.plans.forms import (
    GoalForm,
    GoalNeedForm,
    InterventionForm,
    ObjectiveForm,
    ObjectiveStatusForm,
    PlanCreateForm,
    ProblemForm,
    ProgressForm,
    ReviseForm,
    SignForm,
)
from openiop.care.plans.selectors import signed_notes_about
from openiop.delivery.hours import patient_requirement
from openiop.patients.models import Enrollment, Patient
from openiop.support.models import Need


def plan_create(request: HttpRequest, pk: int) -> HttpResponse:
    user, patient = pages.clinician(request, pk)
    enrollments = Enrollment.objects.filter(
        patient=patient, status__in=OPEN_ENROLLMENT, treatment_plans__isnull=True
    ).select_related("track")
    form = PlanCreateForm(request.POST or None, enrollments=enrollments)
    if request.method == "POST" and form.is_valid():
        plan = pages.save(
            form,
            lambda: services.plan_create(
                actor=user,
                enrollment=form.cleaned_data["enrollment"],
                review_on=form.cleaned_data["review_on"],
                request=request,
            ),
        )
        if plan is not None:
            messages.success(
                request, "Plan started. Add problems, goals, objectives and interventions."
            )
            return redirect("care:plan", pk=patient.pk, plan_id=plan.pk)
    if request.method == "GET":
        care_access.viewed(user, patient, request, ["enrollments"], "start a plan")
    return pages.render_page(
        request,
        "care/plan_create.html",
        {"patient": patient, "form": form},
        invalid=request.method == "POST",
    )


PLAN_FORMS = ("problem", "goal", "goal_need", "objective", "intervention", "sign", "revise")


def _plan_forms(
    data: Any,
    action: str,
    problems: QuerySet[Problem],
    goals: QuerySet[Goal],
    needs: QuerySet[Need],
) -> dict[str, Any]:
    """The plan page's forms; the one named ``action`` is bound to ``data`` (the POST)."""

    def bound(name: str, form_class: Any, **kwargs: Any) -> Any:
        return form_class(data if action == name else None, prefix=name, **kwargs)

    return {
        "problem": bound("problem", ProblemForm),
        "goal": bound("goal", GoalForm, problems=problems, needs=needs),
        "goal_need": bound("goal_need", GoalNeedForm, goals=goals, needs=needs),
        "objective": bound("objective", ObjectiveForm, goals=goals),
        "intervention": bound("intervention", InterventionForm, goals=goals),
        "sign": bound("sign", SignForm),
        "revise": bound("revise", ReviseForm),
    }


def _plan_call(
    action: str, d: dict[str, Any], user: User, plan: TreatmentPlan, request: HttpRequest
) -> Callable[[], Any]:
    """The service call the form ``action`` submits, with its cleaned data ``d``."""
    calls = {
        "problem": lambda: services.problem_add(
            actor=user,
            plan=plan,
            description=d["description"],
            icd10_code=d["icd10_code"],
            request=request,
        ),
        "goal": lambda: services.goal_add(
            actor=user,
            plan=plan,
            description=d["description"],
            skill_domain=d["skill_domain"],
            problem=d.get("problem"),
            need=d.get("need"),
            request=request,
        ),
        "goal_need": lambda: services.goal_set_need(
            actor=user, goal=d["goal"], need=d.get("need"), request=request
        ),
        "objective": lambda: services.objective_add(
            actor=user,
            goal=d["goal"],
            description=d["description"],
            measure=d["measure"],
            target_on=d["target_on"],
            request=request,
        ),
        "intervention": lambda: services.intervention_add(
            actor=user,
            plan=plan,
            kind=d["kind"],
            frequency=d["frequency"],
            responsible=d.get("responsible", ""),
            goal=d.get("goal"),
            request=request,
        ),
        "sign": lambda: services.plan_sign(
            actor=user,
            plan=plan,
            patient_name=d["patient_name"],
            signed_on=d["signed_on"],
            request=request,
        ),
        "revise": lambda: services.plan_revise(
            actor=user, plan=plan, reason=d["reason"], request=request
        ),
    }
    return calls[action]


def _plan_saved(
    request: HttpRequest, patient: Patient, plan: TreatmentPlan, action: str, done: Any
) -> HttpResponse:
    """After a successful save: its message, then the plan (the new draft after a revise)."""
    if action == "problem":
        messages.success(
            request, f"Added: {done.icd10_code} {done.icd10_label} ({done.code_set_version})."
        )
        return redirect("care:plan", pk=patient.pk, plan_id=plan.pk)
    if action == "revise":
        messages.success(request, f"Version {done.version} started as a draft.")
        return redirect("care:plan", pk=patient.pk, plan_id=done.pk)
    done_words = {"sign": "Signed: this version is now locked.", "goal_need": "Goal saved."}
    messages.success(request, done_words.get(action, "Added."))
    return redirect("care:plan", pk=patient.pk, plan_id=plan.pk)


def plan_edit(request: HttpRequest, pk: int, plan_id: int) -> HttpResponse:
    """A plan version: add problems, goals, objectives and interventions while a draft; the
    patient signs it; a signed version can be revised into a new draft."""
    user, patient = pages.reader_or_clinician(request, pk)
    plan = care_access.inside(
        user,
        request,
        TreatmentPlan.objects.filter(patient=patient).select_related("enrollment__track"),
        plan_id,
        "care.treatmentplan",
    )
    problems = plan.problems.all()
    goals = plan.goals.select_related("need", "problem")
    action = request.POST.get("form", "") if request.method == "POST" else ""
    forms = _plan_forms(
        request.POST if action else None, action, problems, goals, services.linkable_needs(plan)
    )
    if action and action not in PLAN_FORMS:
        raise Http404("Unknown form.")
    if action:
        form = forms[action]
        done = None
        if form.is_valid():
            done = pages.save(form, _plan_call(action, form.cleaned_data, user, plan, request))
        if done is not None:
            return _plan_saved(request, patient, plan, action, done)
    else:
        care_access.viewed(user, patient, request, ["treatment_plan"], f"plan v{plan.version}")
    objectives = list(plan.objectives.all())
    return pages.render_page(
        request,
        "care/plan.html",
        {
            "patient": patient,
            "plan": plan,
            "problems": list(problems),
            "goals": [(g, [o for o in objectives if o.goal_id == g.pk]) for g in goals],
            "interventions": list(plan.interventions.all()),
            "requirement": patient_requirement(patient, timezone.localdate()),
            "forms": forms,
            "can_write": care_access.is_clinician(user),
            "has_draft": TreatmentPlan.objects.filter(
                enrollment_id=plan.enrollment_id, status=PlanStatus.DRAFT
            ).exists(),
        },
        invalid=bool(action),
    )


@require_POST
def objective_status(request: HttpRequest, pk: int, objective_id: int) -> HttpResponse:
    user, patient = pages.clinician(request, pk)
    objective = care_access.inside(
        user,
        request,
        Objective.objects.filter(plan__patient=patient).select_related("plan__patient"),
        objective_id,
        "care.objective",
    )
    form = ObjectiveStatusForm(request.POST)
    if form.is_valid() and pages.save(
        form,
        lambda: services.objective_set_status(
            actor=user, objective=objective, status=form.cleaned_data["status"], request=request
        ),
    ):
        messages.success(request, "Objective status saved.")
    else:
        messages.error(request, "Choose met, on track or behind.")
    return redirect(pages.progress_url(patient) + f"#objective-{objective.pk}")


def objective_progress(request: HttpRequest, pk: int, objective_id: int) -> HttpResponse:
    user, patient = pages.clinician(request, pk)
    objective = care_access.inside(
        user,
        request,
        Objective.objects.filter(plan__patient=patient).select_related("plan__patient"),
        objective_id,
        "care.objective",
    )
    form = ProgressForm(request.POST or None, notes=signed_notes_about(patient))
    if request.method == "POST" and form.is_valid():
        entry = pages.save(
            form,
            lambda: services.objective_progress_add(
                actor=user,
                objective=objective,
                excerpt=form.cleaned_data["excerpt"],
                note=form.cleaned_data.get("note"),
                request=request,
            ),
        )
        if entry is not None:
            messages.success(request, "Progress linked to the objective.")
            return redirect(pages.progress_url(patient) + f"#objective-{objective.pk}")
    if request.method == "GET":
        care_access.viewed(user, patient, request, ["treatment_plan"], f"objective {objective.pk}")
    return pages.render_page(
        request,
        "care/objective_progress.html",
        {"patient": patient, "objective": objective, "form": form},
        invalid=request.method == "POST",
    )
