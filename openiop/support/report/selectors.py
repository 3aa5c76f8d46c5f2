"""Reads of the support services report: the needs of an organization found in a period
(optionally of the patients of one program), their referrals and the referrals' events,
turned into the facts of `openiop.domain.support_report`. Three queries whatever the size of
the data; counts only leave this module (no patient is named)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from openiop.domain.support_report import NeedFact, ReferralFact, SupportReport, compute
from openiop.domain.support_report.metrics import FINISHED
from openiop.organization.models import Program
from openiop.support.models import Need, PartnerReferral, ReferralEvent


def programs(organization_id: int) -> QuerySet[Program]:
    """The organization's programs, for the filter."""
    return (
        Program.objects.filter(site__organization_id=organization_id)
        .select_related("site")
        .order_by("site__name", "name", "pk")
    )


def needs_in_period(
    organization_id: int, start: date, end: date, program_id: int | None = None
) -> QuerySet[Need]:
    qs = Need.objects.filter(
        organization_id=organization_id, identified_on__gte=start, identified_on__lte=end
    )
    if program_id is not None:
        qs = qs.filter(patient__program_id=program_id)
    return qs


def report(
    organization_id: int,
    start: date,
    end: date,
    as_of: date,
    program_id: int | None = None,
) -> SupportReport:
    needs_qs = needs_in_period(organization_id, start, end, program_id)
    needs = [
        NeedFact(pk, kind, status, identified_on, closed_on)
        for pk, kind, status, identified_on, closed_on in needs_qs.values_list(
            "pk", "kind", "status", "identified_on", "closed_on"
        ).order_by()
    ]
    need_ids = needs_qs.values("pk")
    reached: dict[int, set[str]] = {}
    finished_on: dict[int, date] = {}
    for referral_id, to_status, occurred_on in (
        ReferralEvent.objects.filter(referral__need_id__in=need_ids)
        .values_list("referral_id", "to_status", "occurred_on")
        .order_by("recorded_at", "pk")
    ):
        reached.setdefault(referral_id, set()).add(to_status)
        if to_status in FINISHED:
            finished_on[referral_id] = occurred_on
    referrals = []
    for pk, need_id, partner, status, outcome, sent_on, follow_up_on, updated_at in (
        PartnerReferral.objects.filter(need_id__in=need_ids)
        .values_list(
            "pk",
            "need_id",
            "partner__name",
            "status",
            "outcome",
            "sent_on",
            "follow_up_on",
            "updated_at",
        )
        .order_by()
    ):
        closed_on = None
        if status in FINISHED:
            # The day reported on the event that finished it; a referral without such an
            # event (written before events were kept) uses the day it last changed.
            closed_on = finished_on.get(pk) or updated_at.date()
        referrals.append(
            ReferralFact(
                need_id=need_id,
                partner=partner,
                status=status,
                outcome=outcome,
                sent_on=sent_on,
                follow_up_on=follow_up_on,
                closed_on=closed_on,
                reached=frozenset(reached.get(pk, ())),
            )
        )
    return compute(needs, referrals, start=start, end=end, as_of=as_of)
