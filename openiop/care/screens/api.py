"""API of drug screens: ``GET|POST care/patients/{id}/drug-screens`` and
``POST .../drug-screens/{screen_id}/result`` (returns the relapse event opened, if any).
Same rules as the pages (``care.api_base``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openiop.care import api_base
from openiop.care.models import DrugScreen, ResultValue, ScreenMethod, Specimen, SubstanceClass
from openiop.care.screens import services


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


class ScreenListCreateAPI(APIView):
    @extend_schema(operation_id="care_drug_screens_list", responses=ScreenOut(many=True))
    def get(self, request: Request, pk: int) -> Response:
        user, patient = api_base.patient_for(request, pk)
        screens = DrugScreen.objects.filter(patient=patient).prefetch_related("results")[:100]
        api_base.viewed(user, patient, request, ["drug_screens"], "drug screens")
        return Response(ScreenOut(screens, many=True).data)

    @extend_schema(
        operation_id="care_drug_screens_create",
        request=ScreenOrderIn,
        responses={201: ScreenOut},
    )
    def post(self, request: Request, pk: int) -> Response:
        user, patient = api_base.patient_for(request, pk, write=True)
        s = ScreenOrderIn(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        screen = api_base.call(
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
        user, patient = api_base.patient_for(request, pk, write=True)
        screen = api_base.inside(
            user,
            request,
            DrugScreen.objects.filter(patient=patient).select_related("patient"),
            screen_id,
            "care.drugscreen",
        )
        s = ScreenResultIn(data=request.data)
        s.is_valid(raise_exception=True)
        screen, event = api_base.call(
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
