"""API of taper recommendations: ``GET|POST care/patients/{id}/taper-recommendations``,
``POST .../{rec_id}/approve`` and ``.../{rec_id}/decline``, and the recommendation
serializer the progress summary reuses. Same rules as the pages (``care.api_base``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openiop.care import api_base
from openiop.care.models import TaperRecommendation
from openiop.care.taper import services
from openiop.patients.models import Enrollment


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


class RecommendIn(serializers.Serializer[Any]):
    enrollment = serializers.IntegerField()
    attendance_reported = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=0, max_value=1
    )


class DeclineIn(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=500)


class RecommendationListCreateAPI(APIView):
    @extend_schema(
        operation_id="care_taper_recommendations_list", responses=RecommendationOut(many=True)
    )
    def get(self, request: Request, pk: int) -> Response:
        user, patient = api_base.patient_for(request, pk)
        recs = TaperRecommendation.objects.filter(patient=patient)[:50]
        api_base.viewed(user, patient, request, ["taper"], "taper recommendations")
        return Response(RecommendationOut(recs, many=True).data)

    @extend_schema(
        operation_id="care_taper_recommendations_create",
        request=RecommendIn,
        responses={201: RecommendationOut},
    )
    def post(self, request: Request, pk: int) -> Response:
        user, patient = api_base.patient_for(request, pk, write=True)
        s = RecommendIn(data=request.data)
        s.is_valid(raise_exception=True)
        enrollment = (
            Enrollment.objects.filter(patient=patient, pk=s.validated_data["enrollment"])
            .select_related("patient", "track")
            .first()
        )
        if enrollment is None:
            raise ValidationError({"enrollment": ["Not an enrolment of this patient."]})
        rec = api_base.call(
            lambda: services.taper_recommend(
                actor=user,
                enrollment=enrollment,
                attendance_reported=s.validated_data["attendance_reported"],
                request=request,
            )
        )
        return Response(RecommendationOut(rec).data, status=status.HTTP_201_CREATED)


def _recommendation(request: Request, pk: int, rec_id: int) -> tuple[Any, TaperRecommendation]:
    """The clinician and a recommendation of the patient they may change (404/403, audited)."""
    user, patient = api_base.patient_for(request, pk, write=True)
    rec = api_base.inside(
        user,
        request,
        TaperRecommendation.objects.filter(patient=patient).select_related("patient"),
        rec_id,
        "care.taperrecommendation",
    )
    return user, rec


class RecommendationApproveAPI(APIView):
    @extend_schema(
        operation_id="care_taper_recommendations_approve",
        request=None,
        responses=RecommendationOut,
    )
    def post(self, request: Request, pk: int, rec_id: int) -> Response:
        user, rec = _recommendation(request, pk, rec_id)
        rec = api_base.call(
            lambda: services.taper_approve(actor=user, recommendation=rec, request=request)
        )
        return Response(RecommendationOut(rec).data)


class RecommendationDeclineAPI(APIView):
    @extend_schema(
        operation_id="care_taper_recommendations_decline",
        request=DeclineIn,
        responses=RecommendationOut,
    )
    def post(self, request: Request, pk: int, rec_id: int) -> Response:
        user, rec = _recommendation(request, pk, rec_id)
        s = DeclineIn(data=request.data)
        s.is_valid(raise_exception=True)
        rec = api_base.call(
            lambda: services.taper_decline(
                actor=user,
                recommendation=rec,
                reason=s.validated_data["reason"],
                request=request,
            )
        )
        return Response(RecommendationOut(rec).data)
