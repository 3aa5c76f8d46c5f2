"""Authorizations' part of `openiop demo-data`: payer authorizations for a dozen patients with
coverage and a published schedule, a few of them running out within a week."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from openiop.accounts.models import User
from openiop.authorizations.models import Authorization, UnitKind
from openiop.billing.models import Coverage
from openiop.core import policy
from openiop.core.policy import Action
from openiop.organization.models import Organization
from openiop.scheduling.models import SessionAssignment

PATIENTS = 12


def extend_demo(*, org: Organization, rng: random.Random, today: date) -> None:
    actor = (
        User.objects.filter(
            organization=org, is_active=True, role__in=policy.roles_for(Action.BILLING_MANAGE)
        )
        .order_by("pk")
        .first()
    )
    if actor is None:
        return
    scheduled = set(
        SessionAssignment.objects.filter(
            patient__organization=org, session__starts_at__date__gte=today
        ).values_list("patient_id", flat=True)
    )
    covered = list(
        Coverage.objects.filter(
            patient__organization=org, payer__isnull=False, patient_id__in=scheduled
        )
        .select_related("payer")
        .order_by("patient_id", "rank")
    )
    seen: set[int] = set()
    now = timezone.now()
    rows = []
    for c in covered:
        if c.patient_id in seen or len(seen) >= PATIENTS:
            continue
        seen.add(c.patient_id)
        short = len(seen) <= 4  # the first few run out within a week
        start = today - timedelta(days=rng.choice([14, 21, 28]))
        kind = rng.choice([UnitKind.DAYS, UnitKind.DAYS, UnitKind.SESSIONS])
        units = rng.choice([3, 4, 5]) if short else rng.choice([20, 30, 40])
        rows.append(
            Authorization(
                organization=org,
                patient_id=c.patient_id,
                payer=c.payer,
                service="H0015",
                unit_kind=kind,
                units_authorized=Decimal(units),
                starts_on=start,
                ends_on=start + timedelta(days=rng.choice([45, 60, 90])),
                number=f"DEMO-{rng.randrange(10**6):06d}",
                review_contact_name="Utilization review (demo)",
                review_contact_phone="555-0100",
                created_by=actor,
                created_at=now,
                updated_at=now,
            )
        )
    Authorization.objects.bulk_create(rows)
