"""REST API of session delivery under /api/v1/delivery/: roster, attendance, drop-ins,
notes (sections filtered by who may see each patient), weekly hours, leaves of absence.

Separate input and output serializers; problem JSON errors naming the fields
(openiop/core/api.py); 201 when something is created.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openiop.core import access, audit
from openiop.core.api import api_field_names
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.delivery import access as delivery_access
from openiop.delivery import formats, selectors, services
from openiop.delivery.hours import monday_of, week_compliance
from openiop.delivery.models import AttendanceRecord, AttendanceStatus
from openiop.domain import compliance as dc
from openiop.patients.models import Patient


class AttendanceOutSerializer(serializers.Serializer[Any]):
    attendance_status = serializers.ChoiceField(choices=AttendanceStatus.choices)
    check_in_at = serializers.DateTimeField(allow_null=True)
    check_out_at = serializers.DateTimeField(allow_null=True)
    self_checked_in = serializers.BooleanField()


class RosterRowOutSerializer(serializers.Serializer[Any]):
    patient = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    drop_in_reason = serializers.CharField(allow_null=True)
    attendance = AttendanceOutSerializer(allow_null=True)


class RosterOutSerializer(serializers.Serializer[Any]):
    session = serializers.IntegerField()
    track = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    hidden = serializers.IntegerField(help_text="Patients on the roster you may not see.")
    rows = RosterRowOutSerializer(many=True)


def _record_out(record: AttendanceRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "attendance_status": record.status,
        "check_in_at": record.check_in_at,
        "check_out_at": record.check_out_at,
        "self_checked_in": record.self_checked_in,
    }


class RosterAPI(APIView):
    @extend_schema(operation_id="delivery_roster_retrieve", responses=RosterOutSerializer)
    def get(self, request: Request, pk: int) -> Response:
        user = access.staff(request)
        session = delivery_access.session_for(user, pk, request=request)
        roster = selectors.roster(user, session)
        audit.record(
            actor=user,
            action=AuditAction.QUERY,
            object_type="patients.patient",
            fields=["name", "attendance"],
            request=request,
            detail=f"api roster of session {session.pk}; ids: "
            f"{','.join(str(p) for p in roster.patient_ids)}"[:500],
            part2=bool(roster.rows),
        )
        data = {
            "session": session.pk,
            "track": session.track.name,
            "starts_at": session.starts_at,
            "ends_at": session.ends_at,
            "hidden": roster.hidden,
            "rows": [
                {
                    "patient": r.patient.pk,
                    "first_name": r.patient.first_name,
                    "last_name": r.patient.last_name,
                    "drop_in_reason": r.drop_in_reason,
                    "attendance": _record_out(r.record),
                }
                for r in roster.rows
            ],
        }
        return Response(RosterOutSerializer(data).data)


class AttendanceInSerializer(serializers.Serializer[Any]):
    patient = serializers.IntegerField()
    action = serializers.ChoiceField(
        choices=[("check_in", "check in now"), ("check_out", "check out now"), ("set", "set")]
    )
    attendance_status = serializers.ChoiceField(
        choices=AttendanceStatus.choices, required=False, help_text="Needed with action 'set'."
    )
    check_in_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    check_out_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["action"] == "set" and not attrs.get("attendance_status"):
            raise serializers.ValidationError(
                {"attendance_status": ["Give the attendance status to set."]}
            )
        return attrs


class AttendanceAPI(APIView):
    @extend_schema(
        operation_id="delivery_attendance_record",
        request=AttendanceInSerializer,
        responses={200: AttendanceOutSerializer, 201: AttendanceOutSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = access.staff(request)
        session = delivery_access.session_for(user, pk, write=True, request=request)
        serializer = AttendanceInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        patient = access.patient_for(
            user, data["patient"], action=Action.ATTENDANCE_RECORD, request=request
        )
        existed = AttendanceRecord.objects.filter(session=session, patient=patient).exists()
        if data["action"] == "check_in":
            record = services.attendance_check_in(
                actor=user, session=session, patient=patient, request=request
            )
        elif data["action"] == "check_out":
            record = services.attendance_check_out(
                actor=user, session=session, patient=patient, request=request
            )
        else:
            with api_field_names({"status": "attendance_status"}):
                record = services.attendance_set(
                    actor=user,
                    session=session,
                    patient=patient,
                    status=data["attendance_status"],
                    check_in_at=data.get("check_in_at"),
                    check_out_at=data.get("check_out_at"),
                    request=request,
                )
        return Response(
            AttendanceOutSerializer(_record_out(record)).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class DropInInSerializer(serializers.Serializer[Any]):
    patient = serializers.IntegerField()
    reason = serializers.CharField(max_length=200)


class DropInOutSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    session = serializers.IntegerField(source="session_id")
    patient = serializers.IntegerField(source="patient_id")
    reason = serializers.CharField()


class DropInAPI(APIView):
    @extend_schema(
        operation_id="delivery_drop_in_create",
        request=DropInInSerializer,
        responses={201: DropInOutSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = access.staff(request)
        session = delivery_access.session_for(user, pk, write=True, request=request)
        serializer = DropInInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        patient = access.patient_for(
            user,
            serializer.validated_data["patient"],
            action=Action.ATTENDANCE_RECORD,
            request=request,
        )
        drop_in = services.drop_in_add(
            actor=user,
            session=session,
            patient=patient,
            reason=serializer.validated_data["reason"],
            request=request,
        )
        return Response(DropInOutSerializer(drop_in).data, status=status.HTTP_201_CREATED)


class SectionOutSerializer(serializers.Serializer[Any]):
    patient = serializers.IntegerField()
    content = serializers.DictField(child=serializers.CharField(allow_blank=True))


class AmendmentOutSerializer(serializers.Serializer[Any]):
    section_patient = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    text = serializers.CharField()
    author = serializers.CharField()
    signed_at = serializers.DateTimeField()
    signed_hash = serializers.CharField()


class NoteOutSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    format = serializers.CharField()
    session = serializers.IntegerField(allow_null=True)
    patient = serializers.IntegerField(allow_null=True)
    service_date = serializers.DateField()
    status = serializers.CharField()
    author = serializers.CharField()
    content = serializers.DictField(child=serializers.CharField(allow_blank=True))
    sections = SectionOutSerializer(many=True)
    hidden_sections = serializers.IntegerField()
    signed_at = serializers.DateTimeField(allow_null=True)
    signed_hash = serializers.CharField()
    cosigned_at = serializers.DateTimeField(allow_null=True)
    amendments = AmendmentOutSerializer(many=True)


class NoteAPI(APIView):
    @extend_schema(operation_id="delivery_note_retrieve", responses=NoteOutSerializer)
    def get(self, request: Request, pk: int) -> Response:
        user = access.staff(request)
        note = delivery_access.note_for(user, pk, request=request)
        sections = list(note.sections.all())
        visible = delivery_access.visible_patient_ids(user, [s.patient_id for s in sections])
        shown = [s for s in sections if s.patient_id in visible]
        audit.record(
            actor=user,
            action=AuditAction.VIEW,
            patient=note.patient_id,
            obj=note,
            fields=["note"],
            request=request,
            detail=f"api note; sections shown: {','.join(str(s.patient_id) for s in shown)}"[:500],
            part2=True,
        )
        data = {
            "id": note.pk,
            "kind": note.kind,
            "format": note.format,
            "session": note.session_id,
            "patient": note.patient_id,
            "service_date": note.service_date,
            "status": note.status,
            "author": note.author.display_name,
            "content": {
                f.key: note.content.get(f.key, "") for f in formats.fields_for(note.format)
            },
            "sections": [{"patient": s.patient_id, "content": s.content} for s in shown],
            "hidden_sections": len(sections) - len(shown),
            "signed_at": note.signed_at,
            "signed_hash": note.signed_hash,
            "cosigned_at": note.cosigned_at,
            "amendments": [
                {
                    "section_patient": a.section_patient_id,
                    "reason": a.reason,
                    "text": a.text,
                    "author": a.author.display_name,
                    "signed_at": a.signed_at,
                    "signed_hash": a.signed_hash,
                }
                for a in note.amendments.select_related("author")
                if a.section_patient_id is None or a.section_patient_id in visible
            ],
        }
        return Response(NoteOutSerializer(data).data)


class DayOutSerializer(serializers.Serializer[Any]):
    day = serializers.DateField()
    minutes = serializers.IntegerField()
    meets_daily_minimum = serializers.BooleanField()
    billing = serializers.ChoiceField(choices=["per_diem", "discrete", "none"])


class PerDiemRuleOutSerializer(serializers.Serializer[Any]):
    payer = serializers.CharField(help_text="Empty for the default (HCPCS H0015/S9480) rule.")
    basis = serializers.ChoiceField(choices=["day", "day_and_week"])
    day_minutes = serializers.IntegerField()
    week_minutes = serializers.IntegerField()
    min_days = serializers.IntegerField()
    cited_source = serializers.CharField(help_text="Where the rule is set.")
    description = serializers.CharField()


class SeatOutSerializer(serializers.Serializer[Any]):
    session = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    minutes = serializers.IntegerField()


class HoursOutSerializer(serializers.Serializer[Any]):
    patient = serializers.IntegerField()
    week_start = serializers.DateField()
    enrolled = serializers.BooleanField()
    status = serializers.ChoiceField(
        choices=["on_track", "at_risk", "short", "on_leave", "met"], allow_null=True
    )
    cannot_reach = serializers.BooleanField()
    required_minutes = serializers.IntegerField()
    scheduled_minutes = serializers.IntegerField()
    attended_minutes = serializers.IntegerField()
    remaining_minutes = serializers.IntegerField()
    per_diem_week = serializers.BooleanField(
        help_text="The billing rule's weekly condition holds (always, under the per-day rule)."
    )
    per_diem_rule = PerDiemRuleOutSerializer(allow_null=True)
    program_days = serializers.IntegerField(
        help_text="Days with 3 hours or more attended (program compliance, reported only)."
    )
    program_days_required = serializers.IntegerField()
    days = DayOutSerializer(many=True)
    suggestions = SeatOutSerializer(many=True)
    reasons = serializers.ListField(child=serializers.CharField())


def _rule(rule: dc.PerDiemRule) -> dict[str, Any]:
    return {
        "payer": rule.payer,
        "basis": str(rule.basis),
        "day_minutes": rule.day_minutes,
        "week_minutes": rule.week_minutes,
        "min_days": rule.min_days,
        "cited_source": rule.source,
        "description": rule.label,
    }


class HoursAPI(APIView):
    @extend_schema(
        operation_id="delivery_hours_retrieve",
        parameters=[
            OpenApiParameter(
                "week",
                OpenApiTypes.DATE,
                description="A day of the week wanted (its Monday is used); default this week.",
            )
        ],
        responses=HoursOutSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        user = access.staff(request)
        patient = access.patient_for(user, pk, action=Action.ATTENDANCE_READ, request=request)
        raw = request.query_params.get("week")
        try:
            day = date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError as exc:
            raise ValidationError({"week": ["Give a date as YYYY-MM-DD."]}) from exc
        week_start = monday_of(day)
        computed = week_compliance(
            organization_id=patient.organization_id,
            week_start=week_start,
            as_of=timezone.now(),
            patients=Patient.objects.filter(pk=patient.pk),
        )
        audit.record(
            actor=user,
            action=AuditAction.VIEW,
            patient=patient,
            obj=patient,
            fields=["attendance", "hours"],
            request=request,
            detail=f"api weekly hours {week_start}",
        )
        result = computed.results.get(patient.pk)
        data: dict[str, Any] = {
            "patient": patient.pk,
            "week_start": week_start,
            "enrolled": result is not None,
            "status": str(result.status) if result else None,
            "cannot_reach": bool(result and result.cannot_reach),
            "required_minutes": result.required_minutes if result else 0,
            "scheduled_minutes": result.scheduled_minutes if result else 0,
            "attended_minutes": result.attended_minutes if result else 0,
            "remaining_minutes": result.remaining_minutes if result else 0,
            "per_diem_week": bool(result and result.per_diem_week),
            "per_diem_rule": _rule(result.per_diem_rule) if result else None,
            "program_days": result.program_days if result else 0,
            "program_days_required": result.program_days_required if result else 0,
            "days": [
                {
                    "day": d.day,
                    "minutes": d.minutes,
                    "meets_daily_minimum": d.meets_daily_minimum,
                    "billing": str(d.billing),
                }
                for d in (result.days if result else ())
            ],
            "suggestions": [
                {
                    "session": int(s.session_id),
                    "starts_at": s.start,
                    "ends_at": s.end,
                    "minutes": s.minutes,
                }
                for s in (result.suggestions if result else ())
            ],
            "reasons": list(result.reasons) if result else [],
        }
        return Response(HoursOutSerializer(data).data)


class LeaveInSerializer(serializers.Serializer[Any]):
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    reason = serializers.CharField(max_length=300)


class LeaveOutSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    patient = serializers.IntegerField(source="patient_id")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    reason = serializers.CharField()


class LeaveAPI(APIView):
    @extend_schema(
        operation_id="delivery_leave_create",
        request=LeaveInSerializer,
        responses={201: LeaveOutSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = access.staff(request)
        patient = access.patient_for(user, pk, action=Action.ATTENDANCE_RECORD, request=request)
        serializer = LeaveInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        leave = services.leave_create(
            actor=user,
            patient=patient,
            request=request,
            **serializer.validated_data,
        )
        return Response(LeaveOutSerializer(leave).data, status=status.HTTP_201_CREATED)
