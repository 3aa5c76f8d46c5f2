"""FHIR system clients (OAuth 2.0 client credentials) and bulk-export jobs.

A `FhirClient` is a recipient outside the program: everything it receives is a disclosure
under 42 CFR Part 2 and passes the one gate (`openiop.privacy.gate`) with the recipient
`Recipient(kind, name, key="fhir-client:<id>")`, so a named-recipient consent can bind to it.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models

# Only recipients a single treatment, payment and operations consent (42 CFR 2.31(a)(4)(i))
# can describe: each has a fixed purpose of use, the purpose the gate is asked about.
CLIENT_PURPOSES: dict[str, str] = {
    "treating_provider": "treatment",
    "health_plan": "payment",
    "operations": "operations",
}
CLIENT_KIND_CHOICES = [
    ("treating_provider", "A treating provider"),
    ("health_plan", "A health plan or third-party payer"),
    ("operations", "Someone helping to operate this program"),
]


class FhirClient(models.Model):
    """A system client of the FHIR API, bound to one OAuth application (confidential,
    client-credentials grant, hashed secret)."""

    organization = models.ForeignKey(
        "organization.Organization", on_delete=models.PROTECT, related_name="fhir_clients"
    )
    name = models.CharField(max_length=200)
    recipient_kind = models.CharField(max_length=24, choices=CLIENT_KIND_CHOICES)
    # A health-plan client is the patient's own plan (so a TPO consent covers it) only for
    # the patients with a coverage of this payer (`openiop.fhir.recipients`).
    payer = models.ForeignKey(
        "billing.Payer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.PROTECT, related_name="fhir_client"
    )
    scopes = models.CharField(
        max_length=1000, help_text="Space-separated SMART scopes, e.g. system/*.rs."
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"FHIR client {self.name}"

    @property
    def purpose(self) -> str:
        return CLIENT_PURPOSES[self.recipient_kind]

    @property
    def recipient_key(self) -> str:
        return f"fhir-client:{self.pk}"

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ExportJob(models.Model):
    """One bulk $export (FHIR Bulk Data Access IG v2) for one client."""

    client = models.ForeignKey(FhirClient, on_delete=models.PROTECT, related_name="exports")
    kind = models.CharField(max_length=8, choices=[("patient", "Patient"), ("group", "Group")])
    group = models.ForeignKey(
        "organization.Program", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    types = models.JSONField(default=list)
    request_url = models.CharField(max_length=500)
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"


# Output files are served for this long after the export finished (docs/fhir.md).
EXPORT_FILES_KEPT = timedelta(hours=24)


class ExportFile(models.Model):
    """The ndjson output of one resource type of an export, kept in the database."""

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=40)
    count = models.PositiveIntegerField(default=0)
    ndjson = models.TextField()

    class Meta:
        ordering = ["job", "resource_type"]

    def __str__(self) -> str:
        return f"{self.resource_type} of export {self.job_id}"
