"""REST API for patients: /api/v1/patients/ (list, create), /{id}/ (read, change),
/search (POST, so that names never travel in URLs)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openiop.core import access, audit
from openiop.core.models import AuditAction
from openiop.organization.models import Program, Site
from openiop.patients import selectors, services
from openiop.patients.forms import _check_dob
from openiop.patients.models import Patient


class PatientOutSerializer(serializers.ModelSerializer[Patient]):
    site = serializers.IntegerField(source="site_id")
    program = serializers.IntegerField(source="program_id", allow_null=True)
    site_name = serializers.CharField(source="site.name")

    class Meta:
        model = Patient
        fields = ["id", "mrn", "site", "site_name", "program", *services.PATIENT_FIELDS]


class PatientInSerializer(serializers.ModelSerializer[Patient]):
    site = serializers.IntegerField()
    program = serializers.IntegerField(required=False, allow_null=True)

    class Meta:
        model = Patient
        fields = ["site", "program", *services.PATIENT_FIELDS]

    def validate_date_of_birth(self, value: Any) -> Any:
        # DRF files a Django ValidationError from a validate_<field> method under that field.
        return _check_dob(value)


class PatientPatchSerializer(PatientInSerializer):
    class Meta(PatientInSerializer.Meta):
        fields = list(services.PATIENT_FIELDS)
        extra_kwargs = {f: {"required": False} for f in services.PATIENT_FIELDS}


class SearchInSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("text", "").strip() and not attrs.get("date_of_birth"):
            raise serializers.ValidationError("Give text, date_of_birth or both.")
        return attrs


def _audit_query(request: Request, patients: list[Patient], detail: str) -> None:
    audit.record(
        actor=access.staff(request),
        action=AuditAction.QUERY,
        object_type="patients.patient",
        fields=["demographics"],
        request=request,
        detail=f"api {detail}; ids: {','.join(str(p.pk) for p in patients)}"[:500],
        part2=bool(patients),
    )


class PatientListCreateAPI(APIView):
    @extend_schema(
        operation_id="patients_list",
        responses=inline_serializer(
            "PaginatedPatientList",
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": PatientOutSerializer(many=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        from rest_framework.pagination import LimitOffsetPagination

        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(
            selectors.patient_list(access.staff(request)), request, view=self
        )
        patients = list(page or [])
        _audit_query(request, patients, "list")
        return paginator.get_paginated_response(PatientOutSerializer(patients, many=True).data)

    @extend_schema(
        operation_id="patients_create",
        request=PatientInSerializer,
        responses={201: PatientOutSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = PatientInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        user = access.staff(request)
        site = Site.objects.filter(
            pk=data.pop("site"), organization_id=access.organization_id(user)
        ).first()
        if site is None:
            raise ValidationError({"site": ["Unknown site."]})
        program_id = data.pop("program", None)
        program = None
        if program_id is not None:
            program = Program.objects.filter(
                pk=program_id, site__organization_id=access.organization_id(user)
            ).first()
            if program is None:
                raise ValidationError({"program": ["Unknown program."]})
        patient = services.patient_register(
            actor=user, site=site, program=program, data=data, request=request
        )
        return Response(PatientOutSerializer(patient).data, status=status.HTTP_201_CREATED)


class PatientDetailAPI(APIView):
    @extend_schema(operation_id="patients_retrieve", responses=PatientOutSerializer)
    def get(self, request: Request, pk: int) -> Response:
        patient = access.patient_for(access.staff(request), pk, request=request)
        audit.record(
            actor=access.staff(request),
            action=AuditAction.VIEW,
            patient=patient,
            obj=patient,
            fields=["demographics"],
            request=request,
            detail="api read",
        )
        return Response(PatientOutSerializer(patient).data)

    @extend_schema(
        operation_id="patients_partial_update",
        request=PatientPatchSerializer,
        responses=PatientOutSerializer,
    )
    def patch(self, request: Request, pk: int) -> Response:
        patient = access.patient_for(access.staff(request), pk, write=True, request=request)
        serializer = PatientPatchSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        patient = services.patient_update(
            actor=access.staff(request),
            patient=get_object_or_404(Patient, pk=patient.pk),
            data=dict(serializer.validated_data),
            request=request,
        )
        return Response(PatientOutSerializer(patient).data)


class PatientSearchAPI(APIView):
    @extend_schema(
        operation_id="patients_search",
        request=SearchInSerializer,
        responses=PatientOutSerializer(many=True),
    )
    def post(self, request: Request) -> Response:
        serializer = SearchInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        patients = list(
            selectors.patient_search(
                access.staff(request),
                text=serializer.validated_data["text"],
                date_of_birth=serializer.validated_data["date_of_birth"],
            )[: selectors.MAX_RESULTS]
        )
        _audit_query(request, patients, "search")
        return Response(PatientOutSerializer(patients, many=True).data)
