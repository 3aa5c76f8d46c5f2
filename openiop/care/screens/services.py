"""Write path of drug screens: prescriptions (a positive for a prescribed class is expected,
not use), orders, and results; an unexpected positive opens the relapse response in the same
transaction (``relapse.services.record_opening``).

Each public function is one ``@service`` transaction that checks who may act, validates
everything before writing anything (a ``ValidationError`` keyed by field), writes, and records
its audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.care.access import require_clinician_for
from openiop.care.common import check_not_future, record
from openiop.care.models import (
    DrugScreen,
    DrugScreenResult,
    Prescription,
    RelapseEvent,
    RelapseSource,
    ResultValue,
    ScreenMethod,
    ScreenStatus,
    Specimen,
    SubstanceClass,
)
from openiop.care.relapse.services import record_opening
from openiop.care.screens.selectors import prescribed_classes
from openiop.core.models import AuditAction
from openiop.core.services import service
from openiop.patients.models import Patient


@service
def prescription_add(
    *,
    actor: User,
    patient: Patient,
    medication: str,
    substance_class: str,
    starts_on: date,
    ends_on: date | None = None,
    prescriber: str = "",
    request: HttpRequest | None = None,
) -> Prescription:
    """Record a prescribed medication whose class drug screens detect: expected, not use."""
    require_clinician_for(actor, patient)
    errors: dict[str, str] = {}
    if len((medication or "").strip()) < 2:
        errors["medication"] = "Name the medication."
    if substance_class not in SubstanceClass.values:
        errors["substance_class"] = "Choose the class a drug screen reports it as."
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = "The end is before the start."
    if errors:
        raise ValidationError(errors)
    rx = Prescription.objects.create(
        patient=patient,
        medication=medication.strip()[:100],
        substance_class=substance_class,
        prescriber=(prescriber or "").strip()[:200],
        starts_on=starts_on,
        ends_on=ends_on,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    record(actor, AuditAction.ADD, patient, rx, ["medication", "substance_class"], request)
    return rx


@service
def drug_screen_order(
    *,
    actor: User,
    patient: Patient,
    method: str,
    panel: Sequence[str],
    specimen: str = Specimen.URINE,
    observed: bool = False,
    request: HttpRequest | None = None,
) -> DrugScreen:
    require_clinician_for(actor, patient)
    errors: dict[str, str] = {}
    if method not in ScreenMethod.values:
        errors["method"] = "Choose a point-of-care cup or a laboratory test."
    if specimen not in Specimen.values:
        errors["specimen"] = "Choose urine or oral fluid."
    unknown = sorted(set(panel) - set(SubstanceClass.values))
    if not panel:
        errors["panel"] = "Choose at least one substance class."
    elif unknown:
        errors["panel"] = f"Unknown substance classes: {', '.join(unknown)}."
    if errors:
        raise ValidationError(errors)
    screen = DrugScreen.objects.create(
        patient=patient,
        method=method,
        specimen=specimen,
        panel=sorted(set(panel)),
        observed=observed,
        ordered_by=actor,
        ordered_at=timezone.now(),
    )
    record(actor, AuditAction.ADD, patient, screen, ["method", "panel"], request)
    return screen


def _result_errors(
    screen: DrugScreen, collected_on: date, results: Mapping[str, str]
) -> dict[str, str]:
    """What is wrong with a result, by field: the screen already resulted, the collection date,
    a class not on the panel, a class of the panel without a result."""
    errors: dict[str, str] = {}
    if screen.status != ScreenStatus.ORDERED:
        errors["__all__"] = f"This screen is already {screen.get_status_display().lower()}."
    try:
        check_not_future(collected_on, "collected_on")
    except ValidationError:
        errors["collected_on"] = "The collection date is in the future."
    if collected_on < timezone.localtime(screen.ordered_at).date() - timedelta(days=1):
        errors["collected_on"] = "The collection date is before the order."
    panel = set(screen.panel)
    for cls in sorted(set(results) - panel):
        errors[cls] = "This class was not on the ordered panel."
    for cls in sorted(panel):
        if results.get(cls) not in ResultValue.values:
            errors[cls] = "Give a result (negative, positive or invalid)."
    return errors


@service
def drug_screen_record_result(
    *,
    actor: User,
    screen: DrugScreen,
    collected_on: date,
    results: Mapping[str, str],
    request: HttpRequest | None = None,
) -> tuple[DrugScreen, RelapseEvent | None]:
    """Record a result for every class of the panel. Positives for a class prescribed on the
    collection date are expected (not use); an unexpected positive opens the relapse
    response workflow in the same transaction. Returns the screen and that event, if any."""
    patient = screen.patient
    require_clinician_for(actor, patient)
    screen = DrugScreen.objects.select_for_update().get(pk=screen.pk)
    errors = _result_errors(screen, collected_on, results)
    if errors:
        raise ValidationError(errors)
    panel = set(screen.panel)
    prescribed = prescribed_classes(patient, collected_on)
    rows = [
        DrugScreenResult(
            screen=screen,
            substance_class=cls,
            value=results[cls],
            expected=results[cls] == ResultValue.POSITIVE and cls in prescribed,
        )
        for cls in sorted(panel)
    ]
    DrugScreenResult.objects.bulk_create(rows)
    screen.status = ScreenStatus.RESULTED
    screen.collected_on = collected_on
    screen.resulted_by = actor
    screen.resulted_at = timezone.now()
    screen.save()
    expected = [r.substance_class for r in rows if r.expected]
    unexpected = [r.substance_class for r in rows if r.unexpected_positive]
    record(
        actor,
        AuditAction.CHANGE,
        patient,
        screen,
        ["results"],
        request,
        detail="drug screen resulted"
        + (f"; expected (prescribed): {', '.join(expected)}" if expected else ""),
    )
    event = None
    if unexpected:
        labels = ", ".join(str(SubstanceClass(c).label) for c in unexpected)
        event = record_opening(
            actor=actor,
            patient=patient,
            source=RelapseSource.POSITIVE_SCREEN,
            occurred_on=collected_on,
            substances=labels,
            description=f"Opened automatically: the screen collected on {collected_on:%Y-%m-%d} "
            f"was positive for {labels}, which no current prescription explains.",
            drug_screen=screen,
            request=request,
        )
    return screen, event
