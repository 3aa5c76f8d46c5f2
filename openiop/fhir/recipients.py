"""Who a FHIR client is, for each patient: the recipient the gate is asked about.

A single treatment, payment and operations consent describes its recipients as "my treating
providers, health plans, third-party payers, and people helping to operate this program"
(42 CFR 2.31(a)(4)(i)): it covers a provider or plan only if it is the patient's own. So:

* a `health_plan` client serves the patients with a coverage of its payer (`FhirClient.payer`);
  for every other patient only a consent naming the client covers it;
* a `treating_provider` client is never taken to serve a patient (the program cannot tell
  whom it treats): only a consent naming the client (its key `fhir-client:<id>`) covers it;
* an `operations` client (someone helping to operate this program) serves every patient of
  the program.

A consent other than TPO covers a client only when it is bound to it (its `recipient_key`
is the client's key, set by choosing the registered system on the consent form), never
because the names match: an administrator registering a client under a name a patient wrote
on a paper consent must not get that patient's data. `decide()` therefore shows the gate
only the patient's TPO consents and the consents bound to the client (`for_client`).

`decide()` answers for many patients in a constant number of queries (the coverages, then
the consents through `gate.load`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from django.utils import timezone

from openiop.billing.models import Coverage
from openiop.domain.consent import ConsentKind, Decision, Recipient
from openiop.fhir.models import FhirClient
from openiop.privacy import gate


def recipient(client: FhirClient, serves_patient: bool) -> Recipient:
    return Recipient(
        client.recipient_kind, client.name, client.recipient_key, serves_patient=serves_patient
    )


def served(client: FhirClient, patient_ids: Iterable[int]) -> set[int]:
    """The patients of these whose own provider, plan or operator the client is."""
    ids = set(patient_ids)
    if not ids:
        return set()
    if client.recipient_kind == "operations":
        return ids
    if client.recipient_kind == "health_plan" and client.payer_id is not None:
        return set(
            Coverage.objects.filter(
                patient_id__in=ids,
                payer_id=client.payer_id,
                payer__organization_id=client.organization_id,
                self_pay=False,
            ).values_list("patient_id", flat=True)
        )
    return set()


def for_client(known: gate.PatientConsents, client: FhirClient) -> gate.PatientConsents:
    """The consents that may cover the client: the TPO consents (which describe their
    recipients as a class) and those bound to the client's key. A consent naming the client
    by name only (no key, or another key) is left out."""
    key = client.recipient_key
    return replace(
        known,
        consents=tuple(
            f for f in known.consents if f.kind == ConsentKind.TPO or f.recipient.key == key
        ),
    )


@dataclass(frozen=True)
class Decisions:
    """The gate's decision for each patient, and the recipient it was asked about."""

    decisions: dict[int, Decision]
    recipients: dict[int, Recipient]

    def allowed(self) -> dict[int, Decision]:
        return {pid: d for pid, d in self.decisions.items() if d.allowed}


def decide(
    client: FhirClient,
    patient_ids: Iterable[int],
    data: Iterable[str],
    *,
    at: datetime | None = None,
) -> Decisions:
    ids = set(patient_ids)
    when = at or timezone.now()
    own = served(client, ids)
    mine, others = recipient(client, True), recipient(client, False)
    known = gate.load(ids) if ids else {}
    decisions: dict[int, Decision] = {}
    recipients: dict[int, Recipient] = {}
    wanted = list(data)
    for pid in ids:
        who = mine if pid in own else others
        recipients[pid] = who
        decisions[pid] = gate.decision(
            for_client(known[pid], client),
            recipient=who,
            purpose=client.purpose,
            data=wanted,
            at=when,
        )
    return Decisions(decisions, recipients)
