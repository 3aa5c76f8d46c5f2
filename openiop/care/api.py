"""REST API of the care app under /api/v1/care/: progress summary, plans, drug screens and
results, relapse events, peer meetings, taper recommendations (list, propose, approve,
decline) and the measures due.

Same rules as the pages: the patient through ``access.patient_for`` (404, audited), objects
looked up inside that patient (404, audited), one service per write, separate input and
output serializers, 201 on create, problem JSON naming the fields on bad input.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openiop.accounts.models import User
from openiop.care import access as care_access
from openiop.care import selectors, services
from openiop.care.models import (
    DrugScreen,
    Goal,
    Intervention,
    MeetingKind,
    Objective,
    Problem,
    RelapseEvent,
    RelapseSource,
    ResultValue,
    ScreenMethod,
    Specimen,
    SubstanceClass,
    TaperRecommendation,
    TreatmentPlan,
)
from openiop.core import access, audit
from openiop.core.models import AuditAction
from openiop.patients.models import Enrollment, Patient

# --- plumbing -----------------------------------------------------------------------------------


def _patient(request: Request, pk: int, *, write: bool = False) -> tuple[User, Patient]:
    """API writes need a clinician, like the pages (care.access)."""
    return care_access.care_patient(request, pk, clinician=write)


def _inside(user: User, request: Request, qs: Any, pk: int, what: str) -> Any:
    return care_access.inside(user, request, qs, pk, what)


def _viewed(user: User, patient: Patient, request: Request, fields: list[str], detail: str) -> None:
    care_access.viewed(user, patient, request, fields, f"api {detail}")


def _call(fn: Any) -> Any:
    """Run a service; its ValidationError becomes a 400 naming the fields."""
    try:
        return fn()
    except DjangoValidationError as exc:
        raise ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        ) from exc
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc


# --- serializers ----------------------------------------------------------------------------------


class ReasonOut(serializers.Serializer[Any]):
    input = serializers.CharField()
    stance = serializers.CharField()
    rule = serializers.CharField()
    facts = serializers.ListField(child=serializers.CharField())
    text = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field named "source"


class RecommendationOut(serializers.ModelSerializer[TaperRecommendation]):
    enrollment = serializers.IntegerField(source="enrollment_id")
    reasons = ReasonOut(many=True)
    inputs = serializers.DictField()
    weekly_hours = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)

    class Meta:
        model = TaperRecommendation
        fields = [
            "id",
            "enrollment",
            "status",
            "decision",
            "current_phase",
            "current_hours",
            "target_phase",
            "target_phase_label",
            "target_level",
            "weekly_hours",
            "days_per_week",
            "crisis_evaluation",
            "withdrawal_management_first",
            "reasons",
            "inputs",
            "created_at",
            "decided_at",
            "decline_reason",
        ]


class ObjectiveOut(serializers.ModelSerializer[Objective]):
    class Meta:
        model = Objective
        fields = ["id", "description", "measure", "target_on", "status"]


class ProblemOut(serializers.ModelSerializer[Problem]):
    class Meta:
        model = Problem
        fields = ["id", "description", "icd10_code", "icd10_label", "code_in_table"]


class GoalOut(serializers.ModelSerializer[Goal]):
    objectives = ObjectiveOut(many=True)

    class Meta:
        model = Goal
        fields = ["id", "description", "skill_domain", "objectives"]


class InterventionOut(serializers.ModelSerializer[Intervention]):
    class Meta:
        model = Intervention
        fields = ["id", "kind", "frequency", "responsible"]


class PlanOut(serializers.ModelSerializer[TreatmentPlan]):
    enrollment = serializers.IntegerField(source="enrollment_id")
    problems = ProblemOut(many=True)
    goals = GoalOut(many=True)
    interventions = InterventionOut(many=True)

    class Meta:
        model = TreatmentPlan
        fields = [
            "id",
            "enrollment",
            "version",
            "status",
            "review_on",
            "patient_signed_on",
            "signed_at",
            "problems",
            "goals",
            "interventions",
        ]


class ResultOut(serializers.Serializer[Any]):
    substance_class = serializers.CharField()
    value = serializers.CharField()
    expected = serializers.BooleanField()


class ScreenOut(serializers.ModelSerializer[DrugScreen]):
    results = ResultOut(many=True)
    panel = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = DrugScreen
        fields = [
            "id",
            "method",
            "specimen",
            "panel",
            "observed",
            "status",
            "ordered_at",
            "collected_on",
            "resulted_at",
            "results",
        ]


class ScreenOrderIn(serializers.Serializer[Any]):
    method = serializers.ChoiceField(choices=ScreenMethod.choices)
    specimen = serializers.ChoiceField(choices=Specimen.choices, default=Specimen.URINE)
    panel = serializers.ListField(
        child=serializers.ChoiceField(choices=SubstanceClass.choices), allow_empty=False
    )
    observed = serializers.BooleanField(default=False)


class ScreenResultIn(serializers.Serializer[Any]):
    collected_on = serializers.DateField()
    results = serializers.DictField(child=serializers.ChoiceField(choices=ResultValue.choices))


class ScreenResultOut(serializers.Serializer[Any]):
    screen = ScreenOut()
    relapse_event = serializers.IntegerField(allow_null=True)


class RelapseIn(serializers.Serializer[Any]):
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[c for c in RelapseSource.choices if c[0] != RelapseSource.POSITIVE_SCREEN]
    )
    occurred_on = serializers.DateField()
    substances = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default=""
    )


class RelapseOut(serializers.ModelSerializer[RelapseEvent]):
    steps = serializers.SerializerMethodField()

    class Meta:
        model = RelapseEvent
        fields = ["id", "source", "occurred_on", "substances", "status", "drug_screen", "steps"]

    def get_steps(self, event: RelapseEvent) -> dict[str, bool]:
        return {name: done for name, done in event.steps}


class MeetingsIn(serializers.Serializer[Any]):
    week_start = serializers.DateField()
    counts = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=30), allow_empty=False
    )

    def validate_counts(self, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(MeetingKind.values))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown kinds {', '.join(unknown)}; use {', '.join(MeetingKind.values)}."
            )
        return value


class MeetingsOut(serializers.Serializer[Any]):
    week_start = serializers.DateField()
    counts = serializers.DictField(child=serializers.IntegerField())


class RecommendIn(serializers.Serializer[Any]):
    enrollment = serializers.IntegerField()
    attendance_reported = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=0, max_value=1
    )


class DeclineIn(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=500)


class EnrollmentProgressOut(serializers.Serializer[Any]):
    enrollment = serializers.IntegerField()
    track = serializers.CharField()
    required_weekly_hours = serializers.DecimalField(max_digits=4, decimal_places=1)
    phase = serializers.CharField(allow_null=True)
    plan = PlanOut(allow_null=True)
    measures_due = serializers.ListField(child=serializers.CharField())
    pending_recommendation = RecommendationOut(allow_null=True)


class ProgressOut(serializers.Serializer[Any]):
    patient = serializers.IntegerField()
    enrollments = EnrollmentProgressOut(many=True)
    screens = ScreenOut(many=True)
    peer_meetings = MeetingsOut(many=True)
    open_relapse_events = RelapseOut(many=True)


class DueOut(serializers.Serializer[Any]):
    patient = serializers.IntegerField()
    enrollment = serializers.IntegerField()
    instrument = serializers.CharField()
    every_weeks = serializers.IntegerField()
    due_on = serializers.DateField()
    last_on = serializers.DateField(allow_null=True)


# --- views --------------------------------------------------------------------------------------


def _plans(enrollment_ids: list[int]) -> dict[int, TreatmentPlan]:
    views = selectors.plans_with_objectives(enrollment_ids)
    ids = [v.plan.pk for v in views.values()]
    plans = TreatmentPlan.objects.filter(pk__in=ids).prefetch_related(
        "problems", "goals__objectives", "interventions"
    )
    return {p.enrollment_id: p for p in plans}


class ProgressAPI(APIView):
    @extend_schema(operation_id="care_progress_retrieve", responses=ProgressOut)
    def get(self, request: Request, pk: int) -> Response:
        user, patient = _patient(request, pk)
        data = selectors.progress(patient, today=timezone.localdate())
        plans = _plans([e.enrollment.pk for e in data.enrollments])
        body = {
            "patient": patient.pk,
            "enrollments": [
                {
                    "enrollment": e.enrollment.pk,
                    "track": e.enrollment.track.name,
                    "required_weekly_hours": e.enrollment.required_weekly_hours,
                    "phase": e.phase.phase_id if e.phase else None,
                    "plan": plans.get(e.enrollment.pk),
                    "measures_due": [d.due.instrument for d in e.due],
                    "pending_recommendation": e.pending,
                }
                for e in data.enrollments
            ],
            "screens": data.screens,
            "peer_meetings": [
                {
                    "week_start": w.week_start,
                    "counts": {
                        k: n
                        for (k, _), n in zip(data.meeting_kinds, w.counts, strict=True)
                        if n is not None
                    },
                }
                for w in data.weeks
            ],
            "open_relapse_events": [r for r in data.relapses if r.status == "open"],
        }
        _viewed(
            user,
            patient,
            request,
            ["treatment_plan", "measures", "drug_screens", "taper"],
            "progress",
        )
        return Response(ProgressOut(body).data)


class PlanListAPI(APIView):
    @extend_schema(operation_id="care_plans_list", responses=PlanOut(many=True))
    def get(self, request: Request, pk: int) -> Response:
        user, patient = _patient(request, pk)
        plans = (
            TreatmentPlan.objects.filter(patient=patient)
            .prefetch_related("problems", "goals__objectives", "interventions")
            .order_by("enrollment_id", "-version")
        )
        _viewed(user, patient, request, ["treatment_plan"], "plans")
        return Response(PlanOut(plans, many=True).data)


class ScreenListCreateAPI(APIView):
    @extend_schema(operation_id="care_drug_screens_list", responses=ScreenOut(many=True))
    def get(self, request: Request, pk: int) -> Response:
        user, patient = _patient(request, pk)
        screens = DrugScreen.objects.filter(patient=patient).prefetch_related("results")[:100]
        _viewed(user, patient, request, ["drug_screens"], "drug screens")
        return Response(ScreenOut(screens, many=True).data)

    @extend_schema(
        operation_id="care_drug_screens_create",
        request=ScreenOrderIn,
        responses={201: ScreenOut},
    )
    def post(self, request: Request, pk: int) -> Response:
        user, patient = _patient(request, pk, write=True)
        s = ScreenOrderIn(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        screen = _call(
            lambda: services.drug_screen_order(
                actor=user,
                patient=patient,
                method=d["method"],
                specimen=d["specimen"],
                panel=d["panel"],
                observed=d["observed"],
                request=request,
            )
        )
        return Response(ScreenOut(screen).data, status=status.HTTP_201_CREATED)


class ScreenResultAPI(APIView):
    @extend_schema(
        operation_id="care_drug_screens_result",
        request=ScreenResultIn,
        responses={201: ScreenResultOut},
    )
    def post(self, request: Request, pk: int, screen_id: int) -> Response:
        user, patient = _patient(request, pk, write=True)
        screen = _inside(
            user,
            request,
            DrugScreen.objects.filter(patient=patient).select_related("patient"),
            screen_id,
            "care.drugscreen",
        )
        s = ScreenResultIn(data=request.data)
        s.is_valid(raise_exception=True)
        screen, event = _call(
            lambda: services.drug_screen_record_result(
                actor=user,
                screen=screen,
                collected_on=s.validated_data["collected_on"],
                results=s.validated_data["results"],
                request=request,
            )
        )
        body = {"screen": screen, "relapse_event": event.pk if event else None}
        return Response(ScreenResultOut(body).data, status=status.HTTP_201_CREATED)


class RelapseCreateAPI(APIView):
    @extend_schema(
        operation_id="care_relapse_events_create", request=RelapseIn, responses={201: RelapseOut}
    )
    def post(self, request: Request, pk: int) -> Response:
        user, patient = _patient(request, pk, write=True)
        s = RelapseIn(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        event = _call(
            lambda: services.relapse_open(
                actor=user,
                patient=patient,
                source=d["source"],
                occurred_on=d["occurred_on"],
                substances=d["substances"],
                description=d["description"],
                request=request,
            )
        )
        return Response(RelapseOut(event).data, status=status.HTTP_201_CREATED)


class MeetingsAPI(APIView):
    @extend_schema(
        operation_id="care_peer_meetings_create", request=MeetingsIn, responses={201: MeetingsOut}
    )
    def post(self, request: Request, pk: int) -> Response:
        user, patient = _patient(request, pk, write=True)
        s = MeetingsIn(data=request.data)
        s.is_valid(raise_exception=True)
        rows = _call(
            lambda: services.peer_meetings_record(
                actor=user,
                patient=patient,
                week_start=s.validated_data["week_start"],
                counts=s.validated_data["counts"],
                request=request,
            )
        )
        body = {"week_start": rows[0].week_start, "counts": {r.kind: r.count for r in rows}}
        return Response(MeetingsOut(body).data, status=status.HTTP_201_CREATED)


class RecommendationListCreateAPI(APIView):
    @extend_schema(
        operation_id="care_taper_recommendations_list", responses=RecommendationOut(many=True)
    )
    def get(self, request: Request, pk: int) -> Response:
        user, patient = _patient(request, pk)
        recs = TaperRecommendation.objects.filter(patient=patient)[:50]
        _viewed(user, patient, request, ["taper"], "taper recommendations")
        return Response(RecommendationOut(recs, many=True).data)

    @extend_schema(
        operation_id="care_taper_recommendations_create",
        request=RecommendIn,
        responses={201: RecommendationOut},
    )
    def post(self, request: Request, pk: int) -> Response:
        user, patient = _patient(request, pk, write=True)
        s = RecommendIn(data=request.data)
        s.is_valid(raise_exception=True)
        enrollment = (
            Enrollment.objects.filter(patient=patient, pk=s.validated_data["enrollment"])
            .select_related("patient", "track")
            .first()
        )
        if enrollment is None:
            raise ValidationError({"enrollment": ["Not an enrolment of this patient."]})
        rec = _call(
            lambda: services.taper_recommend(
                actor=user,
                enrollment=enrollment,
                attendance_reported=s.validated_data["attendance_reported"],
                request=request,
            )
        )
        return Response(RecommendationOut(rec).data, status=status.HTTP_201_CREATED)


class RecommendationApproveAPI(APIView):
    @extend_schema(
        operation_id="care_taper_recommendations_approve",
        request=None,
        responses=RecommendationOut,
    )
    def post(self, request: Request, pk: int, rec_id: int) -> Response:
        user, patient = _patient(request, pk, write=True)
        rec = _inside(
            user,
            request,
            TaperRecommendation.objects.filter(patient=patient).select_related("patient"),
            rec_id,
            "care.taperrecommendation",
        )
        rec = _call(lambda: services.taper_approve(actor=user, recommendation=rec, request=request))
        return Response(RecommendationOut(rec).data)


class RecommendationDeclineAPI(APIView):
    @extend_schema(
        operation_id="care_taper_recommendations_decline",
        request=DeclineIn,
        responses=RecommendationOut,
    )
    def post(self, request: Request, pk: int, rec_id: int) -> Response:
        user, patient = _patient(request, pk, write=True)
        rec = _inside(
            user,
            request,
            TaperRecommendation.objects.filter(patient=patient).select_related("patient"),
            rec_id,
            "care.taperrecommendation",
        )
        s = DeclineIn(data=request.data)
        s.is_valid(raise_exception=True)
        rec = _call(
            lambda: services.taper_decline(
                actor=user,
                recommendation=rec,
                reason=s.validated_data["reason"],
                request=request,
            )
        )
        return Response(RecommendationOut(rec).data)


class DueAPI(APIView):
    @extend_schema(
        operation_id="care_measures_due_list",
        responses=inline_serializer(
            "PaginatedDueList",
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": DueOut(many=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        user = access.staff(request)
        rows = selectors.due_list(user, today=timezone.localdate())
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(rows, request, view=self) or []
        audit.record(
            actor=user,
            action=AuditAction.QUERY,
            object_type="care.due_measures",
            fields=["due_measures"],
            request=request,
            detail=f"api due measures; ids: {','.join(sorted({str(r.patient_id) for r in page}))}"[
                :500
            ],
            part2=bool(page),
        )
        return paginator.get_paginated_response(
            DueOut(
                [
                    {
                        "patient": r.patient_id,
                        "enrollment": r.enrollment_id,
                        "instrument": r.due.instrument,
                        "every_weeks": r.due.every_weeks,
                        "due_on": r.due.due_on,
                        "last_on": r.due.last_on,
                    }
                    for r in page
                ],
                many=True,
            ).data
        )
