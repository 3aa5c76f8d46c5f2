"""Consents and admission notices in the demo (42 CFR 2.31, 2.22).

About 85% of the organization's patients have a treatment, payment and operations consent
in effect (signed on admission, ending with treatment), about 10% one that they revoked a
few days ago, about 15% also a consent for an employer to receive attendance for 90 days;
the first adolescent's consent is signed by a parent; every admitted patient was given the
notice. Rows are written directly (bulk, no request), deterministic from `rng` and `today`.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from openiop.accounts.models import User
from openiop.core import policy
from openiop.core.policy import Action
from openiop.domain.compliance.combined import is_adolescent
from openiop.domain.consent import TPO_RECIPIENT_WORDING
from openiop.intake.models import Admission
from openiop.organization.models import Organization
from openiop.patients.models import Patient
from openiop.privacy.models import Consent, NoticeGiven, NoticeMethod
from openiop.privacy.notice import NOTICE_VERSION

TPO_DATA = ["attendance", "billing", "demographics", "diagnosis", "discharge", "treatment_plan"]
EMPLOYERS = [
    "Northside Logistics HR",
    "Riverbend Foods HR",
    "Summit Builders Personnel Office",
    "Lakeview Health Staffing HR",
    "Metro Transit Human Resources",
]
PARENTS = ["Maria", "James", "Linda", "Robert", "Angela", "David"]


def _at(day: date, rng: random.Random, today: date | None = None) -> datetime:
    if day == today:
        return datetime.combine(day, time(0, 5), UTC)
    return datetime.combine(day, time(rng.randint(13, 21), rng.choice((0, 15, 30, 45))), UTC)


def extend_demo(*, org: Organization, rng: random.Random, today: date) -> None:
    # The consents are recorded by a member of staff whose role records consents.
    staff = (
        User.objects.filter(organization=org, role__in=policy.roles_for(Action.CONSENT_RECORD))
        .order_by("pk")
        .first()
    )
    if staff is None:
        return
    admitted: dict[int, date] = {}
    for a in Admission.objects.filter(patient__organization=org).order_by("admitted_at", "pk"):
        admitted.setdefault(a.patient_id, min(a.admitted_at.date(), today))
    consents: list[Consent] = []
    notices: list[NoticeGiven] = []
    adolescent_done = False
    patients = list(Patient.objects.filter(organization=org).order_by("pk"))
    order = list(range(len(patients)))
    rng.shuffle(order)
    n_revoked = max(1, round(len(patients) * 0.10)) if patients else 0
    n_without = round(len(patients) * 0.05)
    revoked = set(order[:n_revoked])
    without = set(order[n_revoked : n_revoked + n_without])
    for i, patient in enumerate(patients):
        signed = admitted.get(patient.pk) or min(patient.created_at.date(), today)
        minor = is_adolescent(patient.date_of_birth, signed)
        signer = f"{patient.first_name} {patient.last_name}"
        relation = "patient"
        if minor and not adolescent_done:
            signer, relation = f"{rng.choice(PARENTS)} {patient.last_name}", "parent"
            adolescent_done = True
        common = {
            "organization": org,
            "patient": patient,
            "disclosing_party": org.name,
            "signer_name": signer,
            "signer_relation": relation,
            "signed_on": signed,
            "signature_method": rng.choice(("screen", "screen", "paper")),
            "recorded_by": staff,
            "recorded_at": _at(signed, rng, today),
        }
        if i not in without or relation == "parent":
            tpo = Consent(
                kind="tpo",
                recipient_kind="treating_provider",
                recipient_name=TPO_RECIPIENT_WORDING,
                purpose="treatment",
                data=TPO_DATA,
                ends_with_treatment=True,
                **common,
            )
            if i in revoked and relation != "parent" and signed < today - timedelta(days=2):
                back = timedelta(days=rng.randint(2, 6))
                tpo.revoked_at = _at(max(signed + timedelta(days=1), today - back), rng)
                tpo.revoked_by = staff
                tpo.revocation_method = rng.choice(("writing", "spoken"))
                if tpo.revocation_method == "spoken":
                    tpo.revocation_note = "Told the front desk they no longer want records shared."
            if tpo.signature_method == "paper":
                tpo.signature_method = "screen"  # the demo keeps no scans
            consents.append(tpo)
        if not minor and rng.random() < 0.15:
            consents.append(
                Consent(
                    kind="named",
                    recipient_kind="employer",
                    recipient_name=rng.choice(EMPLOYERS),
                    purpose="employment",
                    data=["attendance"],
                    expires_on=signed + timedelta(days=90),
                    **{**common, "signature_method": "screen"},
                )
            )
        if patient.pk in admitted:
            notices.append(
                NoticeGiven(
                    patient=patient,
                    version=NOTICE_VERSION,
                    given_on=admitted[patient.pk],
                    method=rng.choice(NoticeMethod.values),
                    acknowledged=rng.random() < 0.9,
                    given_by=staff,
                    recorded_at=_at(admitted[patient.pk], rng, today),
                )
            )
    Consent.objects.bulk_create(consents, batch_size=500)
    NoticeGiven.objects.bulk_create(notices, batch_size=500)
