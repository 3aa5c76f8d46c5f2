"""API of community support: ``POST care/patients/{id}/peer-meetings``, and the week
serializer the progress summary reuses. Same rules as the pages (``care.api_base``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openiop.care import api_base
from openiop.care.community import services
from openiop.care.models import MeetingKind


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


class MeetingsAPI(APIView):
    @extend_schema(
        operation_id="care_peer_meetings_create", request=MeetingsIn, responses={201: MeetingsOut}
    )
    def post(self, request: Request, pk: int) -> Response:
        user, patient = api_base.patient_for(request, pk, write=True)
        s = MeetingsIn(data=request.data)
        s.is_valid(raise_exception=True)
        rows = api_base.call(
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
