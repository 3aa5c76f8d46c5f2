"""API of a patient's progress summary: ``GET care/patients/{id}/progress`` (plans, measures
due, pending recommendation per open enrolment; screens, peer meetings, open relapse
responses), built from each sub-area's serializers. Same rules as the pages
(``care.api_base``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openiop.care import api_base
from openiop.care.community.api import MeetingsOut
from openiop.care.models import TreatmentPlan
from openiop.care.overview import selectors
from openiop.care.plans.api import PlanOut
from openiop.care.plans.selectors import plans_with_objectives
from openiop.care.relapse.api import RelapseOut
from openiop.care.screens.api import ScreenOut
from openiop.care.taper.api import RecommendationOut


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


def _plans(enrollment_ids: list[int]) -> dict[int, TreatmentPlan]:
    views = plans_with_objectives(enrollment_ids)
    ids = [v.plan.pk for v in views.values()]
    plans = TreatmentPlan.objects.filter(pk__in=ids).prefetch_related(
        "problems", "goals__objectives", "interventions"
    )
    return {p.enrollment_id: p for p in plans}


class ProgressAPI(APIView):
    @extend_schema(operation_id="care_progress_retrieve", responses=ProgressOut)
    def get(self, request: Request, pk: int) -> Response:
        user, patient = api_base.patient_for(request, pk)
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
        api_base.viewed(
            user,
            patient,
            request,
            ["treatment_plan", "measures", "drug_screens", "taper"],
            "progress",
        )
        return Response(ProgressOut(body).data)
