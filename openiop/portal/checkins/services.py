"""Write path of the patient's daily check-in (the program's own short questionnaire, not a
scored instrument). One audited transaction per call.

Program policy (no published source):
- one check-in per local day in the patient's site zone; answering again the same day
  replaces the answers (audited as a change);
- "I need to talk to someone today" = yes opens an urgent safety task for the care team in the
  same transaction (at most one open task for that reason a day), and the portal shows the
  crisis numbers at once;
- "used alcohol or drugs since the last check-in" = yes opens no task: it is shown to the
  clinicians on the patient's progress view, where the care team reads it with the rest of the
  evidence (drug screens, relapse responses).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.core import audit, policy
from openiop.core.models import AuditAction
from openiop.core.policy import Action
from openiop.core.services import service
from openiop.patients.models import Patient
from openiop.portal.models import DailyCheckIn, Mood, PortalAccount, Sleep

NEED_TO_TALK_FLAG = "portal_need_to_talk"
CRAVING_MAX = 10

# What each item is called in an error message: the question the patient read.
ITEM_NAMES = {
    "craving": "How strong is your craving right now (0 to 10)?",
    "mood": "How is your mood today?",
    "sleep": "How did you sleep last night?",
    "used": "Have you used alcohol or drugs since your last check-in?",
    "need_to_talk": "I need to talk to someone today",
}


def local_day(patient: Patient, now: datetime) -> date:
    """The patient's local day: the site's time zone."""
    return timezone.localtime(now, ZoneInfo(patient.site.timezone)).date()


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _yes_no(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"yes": True, "no": False}.get(value.strip().lower())
    return None


def clean_answers(answers: Mapping[str, object]) -> dict[str, int | bool]:
    """The answers typed, or a ValidationError naming every missing or invalid item (a missing
    answer is never counted as zero or "no")."""
    errors: dict[str, str] = {}
    out: dict[str, int | bool] = {}

    def missing(key: str) -> bool:
        value = answers.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[key] = f"Answer this question: {ITEM_NAMES[key]}"
            return True
        return False

    if not missing("craving"):
        craving = _whole(answers["craving"])
        if craving is None or not 0 <= craving <= CRAVING_MAX:
            errors["craving"] = f"Choose a number from 0 to 10: {ITEM_NAMES['craving']}"
        else:
            out["craving"] = craving
    for key, choices in (("mood", Mood), ("sleep", Sleep)):
        if not missing(key):
            value = _whole(answers[key])
            if value is None or value not in choices.values:
                errors[key] = f"Choose one of the answers offered: {ITEM_NAMES[key]}"
            else:
                out[key] = value
    for key in ("used", "need_to_talk"):
        if not missing(key):
            flag = _yes_no(answers[key])
            if flag is None:
                errors[key] = f"Answer yes or no: {ITEM_NAMES[key]}"
            else:
                out[key] = flag
    unknown = sorted(set(answers) - set(ITEM_NAMES))
    if unknown:
        errors["__all__"] = "The form sent answers to questions it does not ask."
    if errors:
        raise ValidationError(errors)
    return out


@service
def daily_checkin_submit(
    *,
    account: PortalAccount,
    answers: Mapping[str, object],
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> DailyCheckIn:
    """Record today's check-in of the account's patient (replacing today's earlier answers).

    "I need to talk to someone today" = yes opens an urgent safety task for the care team in
    this transaction (`intake.services.safety_task_open_by_patient`, one open task a day for
    that reason). Use of alcohol or drugs = yes opens no task (program policy): it shows on the
    clinicians' progress view of the patient.
    """
    from openiop.intake.services import safety_task_open_by_patient

    # The request's user is the signed-in session's (past its second factor); it must be the
    # account's own.
    session_user = getattr(request, "user", None)
    user: User = session_user if isinstance(session_user, User) else account.user
    if user.pk != account.user_id:
        user = account.user
    policy.require(user, Action.PORTAL_SELF, patient=account.patient, request=request)
    current = PortalAccount.objects.filter(
        pk=account.pk, user=user, kind="patient", ended_at__isnull=True
    ).exists()
    if not current:
        raise policy.refuse(
            user,
            "This portal account has been closed.",
            request=request,
            object_type="portal.portalaccount",
            object_id=str(account.pk),
            detail="daily check-in refused: the account is closed or not a patient's",
        )
    patient = account.patient
    values = clean_answers(answers)
    now = now or timezone.now()
    day = local_day(patient, now)
    existing = DailyCheckIn.objects.select_for_update().filter(patient=patient, day=day).first()
    task = existing.safety_task if existing is not None else None
    if values["need_to_talk"]:
        task = safety_task_open_by_patient(
            account_user=user, patient=patient, flag=NEED_TO_TALK_FLAG, request=request
        )
    fields = {
        "craving": values["craving"],
        "mood": values["mood"],
        "sleep": values["sleep"],
        "used": values["used"],
        "need_to_talk": values["need_to_talk"],
        "submitted_at": now,
        "submitted_by": user,
        "safety_task": task,
    }
    if existing is None:
        checkin = DailyCheckIn.objects.create(patient=patient, day=day, **fields)
        action = AuditAction.ADD
    else:
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        checkin = existing
        action = AuditAction.CHANGE
    audit.record(
        actor=user,
        action=action,
        patient=patient,
        obj=checkin,
        fields=sorted(ITEM_NAMES),
        request=request,
        part2=True,
        detail="daily check-in" + (" answered again the same day" if existing else ""),
    )
    return checkin
