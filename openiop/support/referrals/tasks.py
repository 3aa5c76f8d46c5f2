"""The referral's task on the one task queue (openiop.core.tasks): e-mail the partner its
link. The message carries no health information (42 CFR 2.32 travels with the page behind
the link, which shows the notice): only that a referral from the program is waiting, the
link and when it expires. Arguments: the referral's id and the site's address only."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from openiop.core.tasks import retrying_task
from openiop.support.models import PartnerReferral
from openiop.support.referrals.services import FINAL, partner_link_url

logger = logging.getLogger("openiop.support")

SUBJECT = "A referral is waiting for you"


def program_name(referral: PartnerReferral) -> str:
    """The program as a partner knows it: "Evening IOP at Riverbend Recovery (Main Street)"."""
    patient = referral.patient
    organization = patient.organization.name
    program = patient.program
    if program is None:
        return organization
    site = f" ({patient.site.name})" if patient.site is not None else ""
    return f"{program.name} at {organization}{site}"


def program_phone(referral: PartnerReferral) -> str:
    site = referral.patient.site
    return site.phone if site is not None else ""


def message_body(referral: PartnerReferral, link: str) -> str:
    until = ""
    if referral.link_expires_at is not None:
        local = timezone.localtime(referral.link_expires_at)
        until = f"The link works until {local.day} {local:%B %Y at %H:%M} ({local.tzname()})."
    return (
        f"Hello,\n\nA referral from {program_name(referral)} is waiting for you. "
        "Open this link to read it and to tell the program what happened:\n\n"
        f"{link}\n\n{until}\n"
        "If you were not expecting this message, ignore it.\n"
    )


@retrying_task(max_attempts=3, backoff=timedelta(seconds=60))
def send_partner_link(*, referral_id: int, base_url: str = "", attempt: int = 1) -> str:
    """E-mail the partner its link; "sent", or why not ("no e-mail", "closed", "gone")."""
    referral = (
        PartnerReferral.objects.select_related(
            "partner", "patient__program", "patient__organization", "patient__site"
        )
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        return "gone"
    if referral.status in FINAL:
        return "closed"
    if not referral.partner.email:
        return "no e-mail"
    # The configured public address first (a request's host may be an internal name).
    base = getattr(settings, "PUBLIC_BASE_URL", "") or base_url
    if not base.startswith(("https://", "http://")):
        logger.warning("partner link for referral %s not e-mailed: no site address", referral.pk)
        return "no site address"
    link = partner_link_url(referral, base)
    send_mail(
        SUBJECT, message_body(referral, link), settings.DEFAULT_FROM_EMAIL, [referral.partner.email]
    )
    logger.info("partner link for referral %s e-mailed", referral.pk)
    return "sent"
