"""API of the relapse response: ``POST care/patients/{id}/relapse-events``, and the event
serializer the progress summary reuses. Same rules as the pages (``care.api_base``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openiop.care import api_base
from openiop.care.models import RelapseEvent, RelapseSource
from openiop.care.relapse import services


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


class RelapseCreateAPI(APIView):
    @extend_schema(
        operation_id="care_relapse_events_create", request=RelapseIn, responses={201: RelapseOut}
    )
    def post(self, request: Request, pk: int) -> Response:
        user, patient = api_base.patient_for(request, pk, write=True)
        s = RelapseIn(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        event = api_base.call(
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
