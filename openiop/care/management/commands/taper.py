"""`openiop taper [--json] [--organization ID] [--refresh] [--all]`: the current taper
recommendations with their reasons.

By default it lists the recommendations awaiting a clinician, newest first, one per
enrolment. ``--refresh`` first asks the engine again for every open enrolment (of the
organization when given), superseding pending ones. Output names patients by internal id and
record number only. Every run is audited (export); approval happens in the app or the API.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from openiop.care.models import RecommendationStatus, TaperRecommendation
from openiop.care.taper import services
from openiop.core import audit
from openiop.core.models import AuditAction
from openiop.patients.models import Enrollment, EnrollmentStatus


class Command(BaseCommand):
    help = "List the current taper recommendations (step down, hold, step up) with their reasons."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--organization", type=int, help="only this organization (id)")
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="recompute a recommendation for every open enrolment first",
        )
        parser.add_argument(
            "--all", action="store_true", help="include decided and superseded ones"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        org = options.get("organization")
        if options["refresh"]:
            enrollments = Enrollment.objects.filter(
                status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.ON_LEAVE]
            ).select_related("patient", "track")
            if org:
                enrollments = enrollments.filter(patient__organization_id=org)
            failed = 0
            for e in enrollments.iterator(500):
                try:
                    services.taper_recommend(actor=None, enrollment=e)
                except ValidationError:
                    failed += 1
            if failed:
                self.stderr.write(f"{failed} enrolment(s) could not be assessed (see the app).")
        qs = TaperRecommendation.objects.select_related("patient", "enrollment__track")
        if not options["all"]:
            qs = qs.filter(status=RecommendationStatus.PENDING)
        if org:
            qs = qs.filter(patient__organization_id=org)
        rows = [self._row(r) for r in qs.order_by("-created_at", "-id")]
        audit.record(
            actor=None,
            action=AuditAction.EXPORT,
            object_type="care.taperrecommendation",
            fields=["decision", "reasons"],
            detail=f"openiop taper: {len(rows)} recommendation(s)"
            + (f", organization {org}" if org else ""),
            organization_id=org,
            part2=bool(rows),
        )
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2, default=str))
            return
        if not rows:
            self.stdout.write("No recommendations awaiting a clinician.")
            return
        for r in rows:
            hours = (
                f"{r['weekly_hours']} h/week" if r["weekly_hours"] is not None else "no IOP hours"
            )
            self.stdout.write(
                f"#{r['id']} patient {r['patient']} (record {r['record']}), {r['track']}: "
                f"{r['decision']} {r['current_phase']} -> {r['target_phase']} ({hours}) [{r['status']}]"
            )
            for reason in r["reasons"]:
                self.stdout.write(f"   - {reason['input']} ({reason['stance']}): {reason['text']}")

    @staticmethod
    def _row(r: TaperRecommendation) -> dict[str, Any]:
        if not isinstance(r.reasons, list):
            raise CommandError(f"recommendation {r.pk} has malformed reasons")
        return {
            "id": r.pk,
            "patient": r.patient_id,
            "record": r.patient.mrn,
            "enrollment": r.enrollment_id,
            "track": r.enrollment.track.name,
            "status": r.status,
            "decision": r.decision,
            "current_phase": r.current_phase,
            "current_hours": r.current_hours,
            "target_phase": r.target_phase,
            "target_level": r.target_level,
            "weekly_hours": r.weekly_hours,
            "days_per_week": r.days_per_week,
            "crisis_evaluation": r.crisis_evaluation,
            "withdrawal_management_first": r.withdrawal_management_first,
            "created_at": r.created_at.isoformat(),
            "reasons": r.reasons,
            "unknown_inputs": (r.inputs or {}).get("unknown", {}),
        }
