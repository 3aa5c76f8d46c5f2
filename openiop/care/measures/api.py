"""API of the measures due: ``GET care/measures/due`` (paginated) for the user's patients."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openiop.care.measures import selectors
from openiop.core import access, audit
from openiop.core.models import AuditAction


class DueOut(serializers.Serializer[Any]):
    patient = serializers.IntegerField()
    enrollment = serializers.IntegerField()
    instrument = serializers.CharField()
    every_weeks = serializers.IntegerField()
    due_on = serializers.DateField()
    last_on = serializers.DateField(allow_null=True)


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
