"""REST API of the schedule: /api/v1/schedule/weeks/ (list, build and queue), /{id}/ (review),
/{id}/moves (hand edit), /{id}/publish. Same rules and services as the pages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openiop.core import access, audit
from openiop.core.models import AuditAction
from openiop.scheduling import selectors, services
from openiop.scheduling.models import ScheduleWeek, WeekStatus
from openiop.scheduling.permissions import require_manager, week_for
from openiop.scheduling.problem import pk_of


@extend_schema_field(
    {"type": "string", "description": "One of: " + ", ".join(WeekStatus.values) + "."}
)
class WeekStatusField(serializers.CharField):
    """The week's status, documented by its values rather than as an enum: the schema's enum
    components are named after the field, and "status" enums of other apps would collide."""


class WeekOutSerializer(serializers.ModelSerializer[ScheduleWeek]):
    status = WeekStatusField(read_only=True)
    parent_week = serializers.IntegerField(
        source="parent_id", allow_null=True, help_text="The published revision this re-solves."
    )
    groups = serializers.SerializerMethodField()
    shortfall_hours = serializers.SerializerMethodField()
    patients = serializers.SerializerMethodField()

    class Meta:
        model = ScheduleWeek
        fields = [
            "id",
            "week_start",
            "revision",
            "status",
            "progress",
            "error",
            "parent_week",
            "starts_on",
            "edits",
            "created_at",
            "solved_at",
            "published_at",
            "groups",
            "shortfall_hours",
            "patients",
        ]

    def get_groups(self, week: ScheduleWeek) -> int | None:
        stats = (week.solution or {}).get("stats", {})
        value = stats.get("groups")
        return int(value) if value is not None else None

    def get_shortfall_hours(self, week: ScheduleWeek) -> float | None:
        value = (week.solution or {}).get("stats", {}).get("shortfall_hours")
        return float(value) if value is not None else None

    def get_patients(self, week: ScheduleWeek) -> int:
        return len((week.problem or {}).get("patients", []))


class GroupOutSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    block = serializers.CharField()
    block_label = serializers.CharField()
    track = serializers.IntegerField(allow_null=True)
    track_name = serializers.CharField()
    counselor = serializers.IntegerField(allow_null=True)
    counselor_name = serializers.CharField()
    room = serializers.IntegerField(allow_null=True)
    room_name = serializers.CharField()
    site = serializers.IntegerField(allow_null=True)
    site_name = serializers.CharField()
    patient_count = serializers.IntegerField()
    patients = serializers.ListField(
        child=serializers.IntegerField(), help_text="Patients you may see (internal ids)."
    )
    topic = serializers.CharField(allow_blank=True)


class ShortfallOutSerializer(serializers.Serializer[Any]):
    patient = serializers.IntegerField()
    short_hours = serializers.FloatField()
    reason = serializers.CharField()


class WeekDetailOutSerializer(WeekOutSerializer):
    valid = serializers.SerializerMethodField()
    validator_errors = serializers.SerializerMethodField()
    group_list = serializers.SerializerMethodField()
    shortfalls = serializers.SerializerMethodField()

    class Meta(WeekOutSerializer.Meta):
        fields = [
            *WeekOutSerializer.Meta.fields,
            "valid",
            "validator_errors",
            "group_list",
            "shortfalls",
        ]

    def get_valid(self, week: ScheduleWeek) -> bool | None:
        report = self.context["review"].report
        return None if report is None else bool(report.valid)

    def get_validator_errors(self, week: ScheduleWeek) -> list[str]:
        return list(self.context["review"].errors)

    @extend_schema_field(GroupOutSerializer(many=True))
    def get_group_list(self, week: ScheduleWeek) -> list[dict[str, Any]]:
        return list(self.context["groups"])

    @extend_schema_field(ShortfallOutSerializer(many=True))
    def get_shortfalls(self, week: ScheduleWeek) -> list[dict[str, Any]]:
        return list(self.context["shortfalls"])


class BuildInSerializer(serializers.Serializer[Any]):
    week_start = serializers.DateField(help_text="A Monday.")


class MoveInSerializer(serializers.Serializer[Any]):
    patient = serializers.IntegerField(min_value=1)
    from_group = serializers.CharField(max_length=80, required=False, allow_null=True, default=None)
    to_group = serializers.CharField(max_length=80, required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("from_group") and not attrs.get("to_group"):
            raise serializers.ValidationError({"to_group": ["Give from_group, to_group or both."]})
        return attrs


def _detail(request: Request, week: ScheduleWeek) -> dict[str, Any]:
    user = access.staff(request)
    r, objects = selectors.review(week, user)
    visible = objects["patients"]
    groups: list[dict[str, Any]] = [
        {
            "id": g.id,
            "block": g.block,
            "block_label": g.block_label,
            "track": pk_of(g.track_ref, "track"),
            "track_name": g.track,
            "counselor": g.counselor_id,
            "counselor_name": g.counselor,
            "room": pk_of(g.room_ref, "room"),
            "room_name": g.room,
            "site": g.site_id,
            "site_name": g.site,
            "patient_count": g.size,
            "patients": [pk for p in g.patients if (pk := pk_of(p, "patient")) in visible],
            "topic": g.topic,
        }
        for g in r.groups
    ]
    shortfalls: list[dict[str, Any]] = [
        {
            "patient": pk,
            "short_hours": float(s.get("short_hours", 0)),
            "reason": r.humanize(str(s.get("reason", ""))),
        }
        for ref, s in r.shortfalls.items()
        if (pk := pk_of(ref, "patient")) in visible
    ]
    shown: list[int] = sorted(
        {int(pk) for g in groups for pk in g["patients"]} | {int(s["patient"]) for s in shortfalls}
    )
    if shown:
        audit.record(
            actor=user,
            action=AuditAction.QUERY,
            object_type="scheduling.scheduleweek",
            object_id=str(week.pk),
            fields=["schedule"],
            request=request,
            detail=f"api schedule review; ids: {','.join(map(str, shown))}"[:500],
        )
    context = {"review": r, "groups": groups, "shortfalls": shortfalls}
    return dict(WeekDetailOutSerializer(week, context=context).data)


class WeekListCreateAPI(APIView):
    @extend_schema(
        operation_id="schedule_weeks_list",
        responses=WeekOutSerializer(many=True),
        description="Weeks of your organization (managers: every revision; others: published).",
    )
    def get(self, request: Request) -> Response:
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(
            selectors.weeks_for(access.staff(request)), request, view=self
        )
        return paginator.get_paginated_response(WeekOutSerializer(page or [], many=True).data)

    @extend_schema(
        operation_id="schedule_weeks_create",
        request=BuildInSerializer,
        responses={201: WeekOutSerializer},
        description="Build the week's problem and queue it for the solver (administrator or "
        "clinical director). Poll the week until its status is solved.",
    )
    def post(self, request: Request) -> Response:
        user = access.staff(request)
        require_manager(user, request, "build a schedule")
        serializer = BuildInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        week = services.week_build(
            actor=user,
            organization=user.organization,  # type: ignore[arg-type]
            week_start=serializer.validated_data["week_start"],
            request=request,
        )
        week = services.week_solve_enqueue(actor=user, week=week, request=request)
        return Response(WeekOutSerializer(week).data, status=status.HTTP_201_CREATED)


class WeekDetailAPI(APIView):
    @extend_schema(operation_id="schedule_weeks_retrieve", responses=WeekDetailOutSerializer)
    def get(self, request: Request, pk: int) -> Response:
        week = week_for(access.staff(request), pk, request=request)
        return Response(_detail(request, week))


class WeekMoveAPI(APIView):
    @extend_schema(
        operation_id="schedule_weeks_move",
        request=MoveInSerializer,
        responses=WeekDetailOutSerializer,
        description="Move a patient between groups (or add: to_group only; remove: from_group "
        "only). A change that breaks a hard rule answers 400 with the validator's reasons.",
    )
    def post(self, request: Request, pk: int) -> Response:
        user = access.staff(request)
        week = week_for(user, pk, request=request, manage=True)
        serializer = MoveInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        patient = access.patient_for(user, data["patient"], write=True, request=request)
        week = services.week_move_patient(
            actor=user,
            week=week,
            patient=patient,
            from_group=data.get("from_group") or None,
            to_group=data.get("to_group") or None,
            request=request,
        )
        return Response(_detail(request, week))


class WeekPublishAPI(APIView):
    @extend_schema(
        operation_id="schedule_weeks_publish",
        request=None,
        responses=WeekOutSerializer,
        description="Create the group sessions and assignments of a solved revision.",
    )
    def post(self, request: Request, pk: int) -> Response:
        user = access.staff(request)
        week = week_for(user, pk, request=request, manage=True)
        week = services.week_publish(actor=user, week=week, request=request)
        return Response(WeekOutSerializer(week).data)
