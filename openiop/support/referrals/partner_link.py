"""The partner's signed link to one referral (no log-in).

The token signs "<referral id>:<link nonce>" with a timestamp (Django's `TimestampSigner`,
its own salt): an altered token, another referral's id or a rotated nonce ("New link") make
the link invalid; a link older than the program's link days, or past the referral's
`link_expires_at`, has expired. Only a link whose signature is valid can be told expired;
everything else is simply not valid (nothing is said about which referral exists).
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.utils import timezone

from openiop.support.models import PartnerReferral
from openiop.support.program_settings import policy_for

SALT = "openiop.support.partner-link"


class LinkInvalid(Exception):
    """Bad signature, wrong id, rotated nonce or unknown referral (404)."""


class LinkExpired(Exception):
    """A genuine link, too old (410). `referral`: for the program's name on the page."""

    def __init__(self, referral: PartnerReferral) -> None:
        super().__init__("link expired")
        self.referral = referral


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def make_token(referral: PartnerReferral) -> str:
    return _signer().sign(f"{referral.pk}:{referral.link_nonce}")


def read(pk: int, token: str) -> PartnerReferral:
    """The referral this link opens, or `LinkInvalid` / `LinkExpired`."""
    signer = _signer()
    try:
        value = signer.unsign(token)
    except signing.BadSignature as exc:
        raise LinkInvalid from exc
    signed_pk, _, nonce = value.partition(":")
    if signed_pk != str(pk) or not nonce:
        raise LinkInvalid
    referral = (
        PartnerReferral.objects.select_related(
            "patient",
            "patient__program",
            "patient__site",
            "patient__organization",
            "need",
            "partner",
            "service",
            "sent_by",
            "disclosure__consent",
        )
        .filter(pk=pk)
        .first()
    )
    if referral is None or referral.link_nonce != nonce:
        raise LinkInvalid
    days = policy_for(referral.patient.program_id).link_days
    try:
        signer.unsign(token, max_age=timedelta(days=days))
    except signing.SignatureExpired as exc:
        raise LinkExpired(referral) from exc
    if referral.link_expires_at is not None and timezone.now() > referral.link_expires_at:
        raise LinkExpired(referral)
    return referral
