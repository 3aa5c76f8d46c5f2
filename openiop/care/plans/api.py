"""API of treatment plans (``GET care/patients/{id}/plans``) and the plan serializers the
progress summary reuses. Same rules as the pages (``care.api_base``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openiop.care import api_base
from openiop.care.models import Goal, Intervention, Objective, Problem, TreatmentPlan


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
