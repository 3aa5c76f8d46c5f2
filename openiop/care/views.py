"""Care pages: the care dashboard, a patient's progress view (the evidence for each decision on
one screen), the treatment-plan editor, drug screens, relapse response, community support,
tapering decisions and discharge.

Every page gets the user with ``access.staff`` and the patient with ``access.patient_for``
(404 and an audited denial for anyone else's patient); objects inside the patient are looked
up through that patient, and a mismatch is a 404 audited the same way. Views of patient data
are audited; writes go through one service each; invalid input re-renders with status 422.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from openiop.accounts.models import User
from openiop.care import access as care_access
from openiop.care import selectors, services
from openiop.care.forms import (
    AttendanceReportForm,
    DeclineForm,
    DischargeForm,
    FollowUpForm,
    GoalForm,
    InterventionForm,
    NotifyForm,
    ObjectiveForm,
    ObjectiveStatusForm,
    PeerMeetingsForm,
    PlanCreateForm,
    PlanStepForm,
    PrescriptionForm,
    ProblemForm,
    ProgressForm,
    RelapseOpenForm,
    ReviseForm,
    SafetyCheckForm,
    ScreenOrderForm,
    ScreenResultForm,
    SignForm,
    SupportForm,
)
from openiop.care.models import (
    AlumniFollowUp,
    Discharge,
    DrugScreen,
    Objective,
    PlanStatus,
    Prescription,
    RelapseEvent,
    ScreenStatus,
    SupportProfile,
    TaperRecommendation,
    TreatmentPlan,
)
from openiop.core import access, audit, policy
from openiop.core.forms import apply_validation_error
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.patients.models import Enrollment, Patient

INVALID = 422


# --- helpers -----------------------------------------------------------------------------------


def _patient(request: HttpRequest, pk: int, *, write: bool = False) -> tuple[User, Patient]:
    return care_access.care_patient(request, pk, write=write)


def _clinician(request: HttpRequest, pk: int) -> tuple[User, Patient]:
    """A write page: the patient must be visible and the user a clinician (else 403, audited)."""
    return care_access.care_patient(request, pk, clinician=True)


_inside = care_access.inside
_viewed = care_access.viewed


def _progress_url(patient: Patient) -> str:
    return reverse("care:progress", args=[patient.pk])


def _save(form: BaseForm, call: Any) -> Any:
    """Run a service; show its ValidationError on the form. Returns the result or None."""
    try:
        return call()
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return None


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], invalid: bool = False
) -> HttpResponse:
    return render(request, template, context, status=INVALID if invalid else 200)


def _notes_for(patient: Patient) -> QuerySet[Any] | None:
    """Signed clinical notes about this patient (delivery), newest first; None without delivery."""
    try:
        from openiop.delivery.models import Note

        return (
            Note.objects.filter(Q(patient=patient) | Q(sections__patient=patient))
            .exclude(signed_at=None)
            .distinct()
            .order_by("-service_date", "-id")
        )
    except ImportError:
        return None


# --- dashboard and progress ----------------------------------------------------------------------


def dashboard(request: HttpRequest) -> HttpResponse:
    user = access.staff(request)
    policy.require(user, Action.CARE_READ, request=request, object_type="care.dashboard")
    today = timezone.localdate()
    data = selectors.dashboard(user, today=today)
    shown = sorted(
        {r.patient_id for r in data.due}
        | {r.patient_id for r in data.relapses}
        | {r.patient_id for r in data.pending}
    )
    audit.record(
        actor=user,
        action=AuditAction.QUERY,
        object_type="care.dashboard",
        fields=["due_measures", "relapse_responses", "taper_recommendations"],
        request=request,
        detail=f"care dashboard; shown ids: {','.join(map(str, shown))}"[:500],
        part2=bool(shown),
    )
    return render(
        request,
        "care/dashboard.html",
        {"data": data, "today": today, "can_configure": services.can_configure(user)},
    )


def progress(request: HttpRequest, pk: int) -> HttpResponse:
    user, patient = _patient(request, pk)
    today = timezone.localdate()
    data = selectors.progress(patient, today=today)
    _viewed(
        user,
        patient,
        request,
        ["treatment_plan", "measures", "drug_screens", "peer_meetings", "taper"],
        "progress view",
    )
    return render(
        request,
        "care/progress.html",
        {
            "patient": patient,
            "data": data,
            "today": today,
            "can_write": services.is_clinician(user),
            "recommend_form": AttendanceReportForm(),
            "status_choices": ObjectiveStatusForm.base_fields["status"].choices,  # type: ignore[attr-defined]
        },
    )


# --- treatment plans -------------------------------------------------------------------------------


def plan_create(request: HttpRequest, pk: int) -> HttpResponse:
    user, patient = _clinician(request, pk)
    enrollments = Enrollment.objects.filter(
        patient=patient, status__in=services.OPEN_ENROLLMENT, treatment_plans__isnull=True
    ).select_related("track")
    form = PlanCreateForm(request.POST or None, enrollments=enrollments)
    if request.method == "POST" and form.is_valid():
        plan = _save(
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
        _viewed(user, patient, request, ["enrollments"], "start a plan")
    return _render(
        request,
        "care/plan_create.html",
        {"patient": patient, "form": form},
        invalid=request.method == "POST",
    )


PLAN_FORMS = ("problem", "goal", "objective", "intervention", "sign", "revise")


def plan_edit(request: HttpRequest, pk: int, plan_id: int) -> HttpResponse:
    """A plan version: add problems, goals, objectives and interventions while a draft; the
    patient signs it; a signed version can be revised into a new draft."""
    if request.method == "POST":
        user, patient = _clinician(request, pk)
    else:
        user, patient = _patient(request, pk)
    plan = _inside(
        user,
        request,
        TreatmentPlan.objects.filter(patient=patient).select_related("enrollment__track"),
        plan_id,
        "care.treatmentplan",
    )
    problems = plan.problems.all()
    goals = plan.goals.all()
    action = request.POST.get("form", "") if request.method == "POST" else ""
    data = request.POST if action else None

    def bound(name: str, form_class: Any, **kwargs: Any) -> Any:
        return form_class(data if action == name else None, prefix=name, **kwargs)

    forms: dict[str, Any] = {
        "problem": bound("problem", ProblemForm),
        "goal": bound("goal", GoalForm, problems=problems),
        "objective": bound("objective", ObjectiveForm, goals=goals),
        "intervention": bound("intervention", InterventionForm, goals=goals),
        "sign": bound("sign", SignForm),
        "revise": bound("revise", ReviseForm),
    }
    if action and action not in PLAN_FORMS:
        raise Http404("Unknown form.")
    if action:
        form = forms[action]
        done = None
        if form.is_valid():
            d = form.cleaned_data
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
                    request=request,
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
            done = _save(form, calls[action])
        if done is not None:
            if action == "problem" and done[1]:
                messages.warning(request, done[1])
            if action == "revise":
                messages.success(request, f"Version {done.version} started as a draft.")
                return redirect("care:plan", pk=patient.pk, plan_id=done.pk)
            messages.success(
                request, "Signed: this version is now locked." if action == "sign" else "Added."
            )
            return redirect("care:plan", pk=patient.pk, plan_id=plan.pk)
    else:
        _viewed(user, patient, request, ["treatment_plan"], f"plan v{plan.version}")
    objectives = list(plan.objectives.all())
    return _render(
        request,
        "care/plan.html",
        {
            "patient": patient,
            "plan": plan,
            "problems": list(problems),
            "goals": [(g, [o for o in objectives if o.goal_id == g.pk]) for g in goals],
            "interventions": list(plan.interventions.all()),
            "forms": forms,
            "can_write": services.is_clinician(user),
            "has_draft": TreatmentPlan.objects.filter(
                enrollment_id=plan.enrollment_id, status=PlanStatus.DRAFT
            ).exists(),
        },
        invalid=bool(action),
    )


@require_POST
def objective_status(request: HttpRequest, pk: int, objective_id: int) -> HttpResponse:
    user, patient = _clinician(request, pk)
    objective = _inside(
        user,
        request,
        Objective.objects.filter(plan__patient=patient).select_related("plan__patient"),
        objective_id,
        "care.objective",
    )
    form = ObjectiveStatusForm(request.POST)
    if form.is_valid() and _save(
        form,
        lambda: services.objective_set_status(
            actor=user, objective=objective, status=form.cleaned_data["status"], request=request
        ),
    ):
        messages.success(request, "Objective status saved.")
    else:
        messages.error(request, "Choose met, on track or behind.")
    return redirect(_progress_url(patient) + f"#objective-{objective.pk}")


def objective_progress(request: HttpRequest, pk: int, objective_id: int) -> HttpResponse:
    user, patient = _clinician(request, pk)
    objective = _inside(
        user,
        request,
        Objective.objects.filter(plan__patient=patient).select_related("plan__patient"),
        objective_id,
        "care.objective",
    )
    form = ProgressForm(request.POST or None, notes=_notes_for(patient))
    if request.method == "POST" and form.is_valid():
        entry = _save(
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
            return redirect(_progress_url(patient) + f"#objective-{objective.pk}")
    if request.method == "GET":
        _viewed(user, patient, request, ["treatment_plan"], f"objective {objective.pk}")
    return _render(
        request,
        "care/objective_progress.html",
        {"patient": patient, "objective": objective, "form": form},
        invalid=request.method == "POST",
    )


# --- drug screens ----------------------------------------------------------------------------------


def screens(request: HttpRequest, pk: int) -> HttpResponse:
    """Drug screens and prescriptions: order a screen, record a prescription."""
    if request.method == "POST":
        user, patient = _clinician(request, pk)
    else:
        user, patient = _patient(request, pk)
    action = request.POST.get("form", "") if request.method == "POST" else ""
    order = ScreenOrderForm(request.POST if action == "order" else None, prefix="order")
    rx = PrescriptionForm(request.POST if action == "rx" else None, prefix="rx")
    if action == "order" and order.is_valid():
        d = order.cleaned_data
        screen = _save(
            order,
            lambda: services.drug_screen_order(
                actor=user,
                patient=patient,
                method=d["method"],
                specimen=d["specimen"],
                panel=d["panel"],
                observed=d["observed"],
                request=request,
            ),
        )
        if screen is not None:
            messages.success(request, "Drug screen ordered.")
            return redirect("care:screens", pk=patient.pk)
    elif action == "rx" and rx.is_valid():
        d = rx.cleaned_data
        done = _save(
            rx,
            lambda: services.prescription_add(
                actor=user,
                patient=patient,
                medication=d["medication"],
                substance_class=d["substance_class"],
                prescriber=d["prescriber"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                request=request,
            ),
        )
        if done is not None:
            messages.success(request, "Prescription recorded: screens will show it as expected.")
            return redirect("care:screens", pk=patient.pk)
    elif action not in ("", "order", "rx"):
        raise Http404("Unknown form.")
    if not action:
        _viewed(user, patient, request, ["drug_screens", "prescriptions"], "drug screens")
    return _render(
        request,
        "care/screens.html",
        {
            "patient": patient,
            "screens": DrugScreen.objects.filter(patient=patient).prefetch_related("results")[:50],
            "prescriptions": Prescription.objects.filter(patient=patient),
            "order": order,
            "rx": rx,
            "can_write": services.is_clinician(user),
        },
        invalid=bool(action),
    )


def screen_result(request: HttpRequest, pk: int, screen_id: int) -> HttpResponse:
    user, patient = _clinician(request, pk)
    screen = _inside(
        user,
        request,
        DrugScreen.objects.filter(patient=patient, status=ScreenStatus.ORDERED).select_related(
            "patient"
        ),
        screen_id,
        "care.drugscreen",
    )
    form = ScreenResultForm(request.POST or None, panel=list(screen.panel))
    if request.method == "POST" and form.is_valid():
        done = _save(
            form,
            lambda: services.drug_screen_record_result(
                actor=user,
                screen=screen,
                collected_on=form.cleaned_data["collected_on"],
                results=form.results(),
                request=request,
            ),
        )
        if done is not None:
            _, event = done
            if event is not None:
                messages.warning(
                    request,
                    "The screen shows use that no prescription explains. A relapse response is "
                    "open: start with a supportive conversation and the safety check.",
                )
                return redirect("care:relapse", pk=patient.pk, event_id=event.pk)
            messages.success(request, "Result recorded.")
            return redirect("care:screens", pk=patient.pk)
    if request.method == "GET":
        _viewed(user, patient, request, ["drug_screens"], f"drug screen {screen.pk}")
    return _render(
        request,
        "care/screen_result.html",
        {"patient": patient, "screen": screen, "form": form},
        invalid=request.method == "POST",
    )


# --- relapse response --------------------------------------------------------------------------------


def relapse_new(request: HttpRequest, pk: int) -> HttpResponse:
    user, patient = _clinician(request, pk)
    form = RelapseOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        event = _save(
            form,
            lambda: services.relapse_open(
                actor=user,
                patient=patient,
                source=d["source"],
                occurred_on=d["occurred_on"],
                substances=d["substances"],
                description=d["description"],
                request=request,
            ),
        )
        if event is not None:
            messages.success(request, "Relapse response opened.")
            return redirect("care:relapse", pk=patient.pk, event_id=event.pk)
    return _render(
        request,
        "care/relapse_new.html",
        {"patient": patient, "form": form},
        invalid=request.method == "POST",
    )


RELAPSE_STEPS = ("safety", "plan", "notify", "review", "close")


def _care_team(patient: Patient) -> QuerySet[User]:
    """Clinicians of the patient's site, and those whose scope is the whole organization."""
    return (
        User.objects.filter(
            organization_id=patient.organization_id,
            is_active=True,
            role__in=policy.roles_for(Action.CARE_READ),
        )
        .filter(
            Q(staff_profile__sites=patient.site_id)
            | Q(role__in=policy.roles_for(Action.SCOPE_ORGANIZATION))
        )
        .distinct()
        .order_by("last_name", "first_name", "id")
    )


def relapse(request: HttpRequest, pk: int, event_id: int) -> HttpResponse:
    """The relapse response workflow: safety check, plan revision, care-team notice,
    level-of-care review, then close."""
    if request.method == "POST":
        user, patient = _clinician(request, pk)
    else:
        user, patient = _patient(request, pk)
    event = _inside(
        user,
        request,
        RelapseEvent.objects.filter(patient=patient).select_related(
            "patient", "drug_screen", "recommendation", "plan_revision", "enrollment"
        ),
        event_id,
        "care.relapseevent",
    )
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step and step not in RELAPSE_STEPS:
        raise Http404("Unknown step.")
    data = request.POST if step else None
    staff = _care_team(patient)
    review = AttendanceReportForm(data if step == "review" else None, prefix="review")
    forms: dict[str, Any] = {
        "safety": SafetyCheckForm(data if step == "safety" else None, prefix="safety"),
        "plan": PlanStepForm(data if step == "plan" else None, prefix="plan"),
        "notify": NotifyForm(data if step == "notify" else None, prefix="notify", staff=staff),
        "review": review,
    }
    if step:
        form = forms.get(step)
        ok = None
        if step == "close":
            try:
                ok = services.relapse_close(actor=user, event=event, request=request)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("care:relapse", pk=patient.pk, event_id=event.pk)
        elif form is not None and form.is_valid():
            d = form.cleaned_data
            calls = {
                "safety": lambda: services.relapse_safety_check(
                    actor=user,
                    event=event,
                    findings=d["findings"],
                    notes=d["notes"],
                    request=request,
                ),
                "plan": lambda: services.relapse_plan_step(
                    actor=user, event=event, revise=d["revise"], note=d["note"], request=request
                ),
                "notify": lambda: services.relapse_notify(
                    actor=user,
                    event=event,
                    recipients=list(d["recipients"]),
                    text=d["text"],
                    request=request,
                ),
                "review": lambda: services.relapse_review(
                    actor=user,
                    event=event,
                    attendance_reported=review.fraction(),
                    request=request,
                ),
            }
            ok = _save(form, calls[step])
        if ok is not None:
            messages.success(request, "Saved.")
            return redirect("care:relapse", pk=patient.pk, event_id=event.pk)
    else:
        _viewed(user, patient, request, ["relapse_response"], f"relapse response {event.pk}")
    return _render(
        request,
        "care/relapse.html",
        {
            "patient": patient,
            "event": event,
            "forms": forms,
            "notified": list(event.notified.all()),
            "can_write": services.is_clinician(user),
        },
        invalid=bool(step),
    )


# --- community support ----------------------------------------------------------------------------


def community(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        user, patient = _clinician(request, pk)
    else:
        user, patient = _patient(request, pk)
    profile = SupportProfile.objects.filter(patient=patient).first()
    action = request.POST.get("form", "") if request.method == "POST" else ""
    if action not in ("", "meetings", "support"):
        raise Http404("Unknown form.")
    meetings = PeerMeetingsForm(request.POST if action == "meetings" else None, prefix="meetings")
    initial = (
        {f: getattr(profile, f) for f in services.SUPPORT_FIELDS} if profile is not None else None
    )
    support = SupportForm(
        request.POST if action == "support" else None, prefix="support", initial=initial
    )
    saved = None
    if action == "meetings" and meetings.is_valid():
        saved = _save(
            meetings,
            lambda: services.peer_meetings_record(
                actor=user,
                patient=patient,
                week_start=meetings.cleaned_data["week_start"],
                counts=meetings.counts(),
                request=request,
            ),
        )
    elif action == "support" and support.is_valid():
        saved = _save(
            support,
            lambda: services.support_profile_set(
                actor=user,
                patient=patient,
                data={k: support.cleaned_data[k] for k in services.SUPPORT_FIELDS},
                request=request,
            ),
        )
    if saved is not None:
        messages.success(
            request, "Meetings recorded." if action == "meetings" else "Supports saved."
        )
        return redirect("care:community", pk=patient.pk)
    if not action:
        _viewed(user, patient, request, ["peer_meetings", "supports"], "community support")
    data = selectors.progress(patient, today=timezone.localdate())
    return _render(
        request,
        "care/community.html",
        {
            "patient": patient,
            "meetings": meetings,
            "support": support,
            "data": data,
            "can_write": services.is_clinician(user),
        },
        invalid=bool(action),
    )


# --- tapering ------------------------------------------------------------------------------------


@require_POST
def taper_recommend(request: HttpRequest, pk: int, enrollment_id: int) -> HttpResponse:
    user, patient = _clinician(request, pk)
    enrollment = _inside(
        user,
        request,
        Enrollment.objects.filter(patient=patient).select_related("patient", "track"),
        enrollment_id,
        "patients.enrollment",
    )
    form = AttendanceReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Attendance must be a whole percentage from 0 to 100.")
        return redirect(_progress_url(patient) + "#taper")
    try:
        services.taper_recommend(
            actor=user, enrollment=enrollment, attendance_reported=form.fraction(), request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Recommendation ready for review.")
    return redirect(_progress_url(patient) + "#taper")


def _recommendation(
    user: User, request: HttpRequest, patient: Patient, rec_id: int
) -> TaperRecommendation:
    return _inside(
        user,
        request,
        TaperRecommendation.objects.filter(patient=patient).select_related("patient", "enrollment"),
        rec_id,
        "care.taperrecommendation",
    )


@require_POST
def taper_approve(request: HttpRequest, pk: int, rec_id: int) -> HttpResponse:
    user, patient = _clinician(request, pk)
    rec = _recommendation(user, request, patient, rec_id)
    try:
        rec = services.taper_approve(actor=user, recommendation=rec, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if rec.outside_iop:
            messages.success(
                request,
                f"Approved: {rec.target_phase_label}. Record the move as a discharge or transfer.",
            )
        else:
            messages.success(
                request,
                f"Approved: {rec.target_phase_label}, {rec.weekly_hours} hours a week from the next "
                "schedule.",
            )
    return redirect(_progress_url(patient) + "#taper")


def taper_decline(request: HttpRequest, pk: int, rec_id: int) -> HttpResponse:
    user, patient = _clinician(request, pk)
    rec = _recommendation(user, request, patient, rec_id)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _save(
            form,
            lambda: services.taper_decline(
                actor=user, recommendation=rec, reason=form.cleaned_data["reason"], request=request
            ),
        )
        if done is not None:
            messages.success(request, "Declined; the reason is kept with the recommendation.")
            return redirect(_progress_url(patient) + "#taper")
    if request.method == "GET":
        _viewed(user, patient, request, ["taper"], f"taper recommendation {rec.pk}")
    return _render(
        request,
        "care/decline.html",
        {"patient": patient, "rec": rec, "form": form},
        invalid=request.method == "POST",
    )


# --- discharge -----------------------------------------------------------------------------------


def discharge(request: HttpRequest, pk: int, enrollment_id: int) -> HttpResponse:
    user, patient = _clinician(request, pk)
    enrollment = _inside(
        user,
        request,
        Enrollment.objects.filter(patient=patient).select_related("patient", "track"),
        enrollment_id,
        "patients.enrollment",
    )
    form = DischargeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = _save(
            form,
            lambda: services.discharge_record(
                actor=user,
                enrollment=enrollment,
                kind=d["kind"],
                discharged_on=d["discharged_on"],
                summary=d["summary"],
                crisis_plan=d["crisis_plan"],
                next_provider=d["next_provider"],
                peer_groups=d["peer_groups"],
                medications=d["medications"],
                follow_up_dates=form.follow_ups(),
                request=request,
            ),
        )
        if done is not None:
            messages.success(request, "Discharged. Alumni follow-ups are scheduled.")
            return redirect(_progress_url(patient))
    if request.method == "GET":
        _viewed(user, patient, request, ["enrollments"], "discharge form")
    return _render(
        request,
        "care/discharge.html",
        {"patient": patient, "enrollment": enrollment, "form": form},
        invalid=request.method == "POST",
    )


def follow_ups(request: HttpRequest, pk: int) -> HttpResponse:
    """Discharges of this patient and their alumni follow-ups; record one as done."""
    if request.method == "POST":
        user, patient = _clinician(request, pk)
    else:
        user, patient = _patient(request, pk)
    form = FollowUpForm(request.POST or None)
    if request.method == "POST":
        raw = request.POST.get("follow_up", "")
        follow_up = _inside(
            user,
            request,
            AlumniFollowUp.objects.filter(patient=patient).select_related("patient"),
            int(raw) if raw.isdigit() else 0,
            "care.alumnifollowup",
        )
        if form.is_valid() and _save(
            form,
            lambda: services.follow_up_complete(
                actor=user,
                follow_up=follow_up,
                done_on=form.cleaned_data["done_on"],
                outcome=form.cleaned_data["outcome"],
                request=request,
            ),
        ):
            messages.success(request, "Follow-up recorded.")
            return redirect("care:follow_ups", pk=patient.pk)
    else:
        _viewed(user, patient, request, ["discharge", "follow_ups"], "discharges")
    return _render(
        request,
        "care/follow_ups.html",
        {
            "patient": patient,
            "discharges": Discharge.objects.filter(patient=patient)
            .prefetch_related("follow_ups")
            .select_related("enrollment__track"),
            "form": form,
            "can_write": services.is_clinician(user),
        },
        invalid=request.method == "POST",
    )
