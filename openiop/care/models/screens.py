"""Drug screens and prescribed medications.

A screen is ordered (point-of-care cup or laboratory) for a panel of substance classes, then
resulted class by class. A positive result for a class the patient is prescribed on the
collection date (buprenorphine, methadone, a prescribed benzodiazepine...) is stored as
*expected*: it is not use, it does not open the relapse workflow and the tapering engine does
not count it (``openiop.domain.tapering.DrugScreen.prescribed_classes``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SubstanceClass(models.TextChoices):
    """Classes reported by common urine cups and laboratory panels."""

    ALCOHOL = "alcohol", "Alcohol (EtG/EtS)"
    AMPHETAMINE = "amphetamine", "Amphetamines"
    BARBITURATE = "barbiturate", "Barbiturates"
    BENZODIAZEPINE = "benzodiazepine", "Benzodiazepines"
    BUPRENORPHINE = "buprenorphine", "Buprenorphine"
    CANNABINOID = "cannabinoid", "Cannabinoids (THC)"
    COCAINE = "cocaine", "Cocaine"
    FENTANYL = "fentanyl", "Fentanyl"
    MDMA = "mdma", "MDMA"
    METHADONE = "methadone", "Methadone"
    METHAMPHETAMINE = "methamphetamine", "Methamphetamine"
    OPIATE = "opiate", "Opiates (morphine, codeine, heroin)"
    OXYCODONE = "oxycodone", "Oxycodone"
    PCP = "pcp", "Phencyclidine (PCP)"
    TRAMADOL = "tramadol", "Tramadol"


DEFAULT_PANEL = (
    SubstanceClass.ALCOHOL,
    SubstanceClass.AMPHETAMINE,
    SubstanceClass.BENZODIAZEPINE,
    SubstanceClass.BUPRENORPHINE,
    SubstanceClass.CANNABINOID,
    SubstanceClass.COCAINE,
    SubstanceClass.FENTANYL,
    SubstanceClass.METHADONE,
    SubstanceClass.METHAMPHETAMINE,
    SubstanceClass.OPIATE,
    SubstanceClass.OXYCODONE,
)


class ScreenMethod(models.TextChoices):
    POINT_OF_CARE = "poc_cup", "Point-of-care cup"
    LABORATORY = "laboratory", "Laboratory"


class Specimen(models.TextChoices):
    URINE = "urine", "Urine"
    ORAL_FLUID = "oral_fluid", "Oral fluid"


class ScreenStatus(models.TextChoices):
    ORDERED = "ordered", "Ordered"
    RESULTED = "resulted", "Resulted"
    CANCELLED = "cancelled", "Cancelled"


class ResultValue(models.TextChoices):
    NEGATIVE = "negative", "Negative"
    POSITIVE = "positive", "Positive"
    INVALID = "invalid", "Invalid / not tested"


class Prescription(models.Model):
    """A medication the patient is prescribed whose class a drug screen will detect."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="care_prescriptions"
    )
    medication = models.CharField(max_length=100, help_text="For example: buprenorphine-naloxone.")
    substance_class = models.CharField(max_length=20, choices=SubstanceClass.choices)
    prescriber = models.CharField(max_length=200, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="prescription_dates_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.medication} ({self.substance_class})"


class DrugScreen(models.Model):
    """An ordered drug screen and, once resulted, its per-class results."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="drug_screens"
    )
    method = models.CharField(max_length=12, choices=ScreenMethod.choices)
    specimen = models.CharField(max_length=12, choices=Specimen.choices, default=Specimen.URINE)
    panel = models.JSONField(help_text="Substance classes tested.")
    observed = models.BooleanField(default=False, help_text="Collection was observed.")
    status = models.CharField(
        max_length=10, choices=ScreenStatus.choices, default=ScreenStatus.ORDERED
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ordered_at = models.DateTimeField()
    collected_on = models.DateField(null=True, blank=True)
    resulted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resulted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-ordered_at", "-id"]
        indexes = [models.Index(fields=["patient", "collected_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="resulted")
                | models.Q(collected_on__isnull=False, resulted_at__isnull=False),
                name="drugscreen_result_complete",
            )
        ]

    def __str__(self) -> str:
        return f"Drug screen {self.pk} ({self.status})"

    @property
    def positives(self) -> list[DrugScreenResult]:
        """Positive results (uses prefetched ``results`` when present)."""
        return [r for r in self.results.all() if r.value == ResultValue.POSITIVE]


class DrugScreenResult(models.Model):
    screen = models.ForeignKey(DrugScreen, on_delete=models.CASCADE, related_name="results")
    substance_class = models.CharField(max_length=20, choices=SubstanceClass.choices)
    value = models.CharField(max_length=10, choices=ResultValue.choices)
    expected = models.BooleanField(
        default=False, help_text="Positive and explained by a current prescription: not use."
    )

    class Meta:
        ordering = ["screen", "substance_class"]
        constraints = [
            models.UniqueConstraint(
                fields=["screen", "substance_class"], name="drugscreen_one_result_per_class"
            )
        ]

    def __str__(self) -> str:
        return f"{self.substance_class}: {self.value}"

    @property
    def unexpected_positive(self) -> bool:
        return self.value == ResultValue.POSITIVE and not self.expected
