"""Reads of drug screens and prescriptions."""

from __future__ import annotations

from datetime import date

from openiop.care.models import Prescription
from openiop.patients.models import Patient


def prescribed_classes(patient: Patient, on: date) -> set[str]:
    return set(
        Prescription.objects.filter(patient=patient, starts_on__lte=on)
        .exclude(ends_on__lt=on)
        .values_list("substance_class", flat=True)
    )
