"""API of treatment plans (``GET care/patients/{id}/plans``; ``POST
care/patients/{id}/plans/{plan_id}/problems`` adds a problem with its ICD-10-CM diagnosis) and
the plan serializers the progress summary reuses. Same rules as the pages (``care.api_base``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openiop.care import api_base
from openiop.care.models import Goal, Intervention, Objective, Problem, TreatmentPlan
from openiop.care.plans import services


class ObjectiveOut(serializers.ModelSerializer[Objective]):
    class Meta:
        model = Objective
        fields = ["id", "description", "measure", "target_on", "status"]


class ProblemOut(serializers.ModelSerializer[Problem]):
    class Meta:
        model = Problem
        fields = [
            "id",
            "description",
            "icd10_code",
            "icd10_label",
            "code_set_version",
            "code_in_table",
        ]


class ProblemIn(serializers.Serializer[Any]):
    description = serializers.CharField(max_length=500)
    icd10_code = serializers.CharField(
        max_length=10,
        help_text="A billable ICD-10-CM code (F10.20; case and dot are normalised). A code "
        "that does not exist or a category heading (F10.2) is refused, naming billable codes.",
    )


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


class PlanListAPI(APIView):
    @extend_schema(operation_id="care_plans_list", responses=PlanOut(many=True))
    def get(self, request: Request, pk: int) -> Response:
        user, patient = api_base.patient_for(request, pk)
        plans = (
            TreatmentPlan.objects.filter(patient=patient)
            .prefetch_related("problems", "goals__objectives", "interventions")
            .order_by("enrollment_id", "-version")
        )
        api_base.viewed(user, patient, request, ["treatment_plan"], "plans")
        return Response(PlanOut(plans, many=True).data)


class ProblemCreateAPI(APIView):
    @extend_schema(
        operation_id="care_plan_problems_create", request=ProblemIn, responses={201: ProblemOut}
    )
    def post(self, request: Request, pk: int, plan_id: int) -> Response:
        user, patient = api_base.patient_for(request, pk, write=True)
        plan = api_base.inside(
            user,
            request,
            TreatmentPlan.objects.filter(patient=patient).select_related("patient"),
            plan_id,
            "care.treatmentplan",
        )
        s = ProblemIn(data=request.data)
        s.is_valid(raise_exception=True)
        problem = api_base.call(
            lambda: services.problem_add(
                actor=user,
                plan=plan,
                description=s.validated_data["description"],
                icd10_code=s.validated_data["icd10_code"],
                request=request,
            )
        )
        return Response(ProblemOut(problem).data, status=status.HTTP_201_CREATED)
