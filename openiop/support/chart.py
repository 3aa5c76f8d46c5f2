"""The chart's Support tab: social needs (open first) with their partner referrals, peer
contacts, mutual-help meetings by week and alumni events attended.

The chart view has already authorized the patient (`support.read`) and audited the view. A
fixed number of queries, whatever the number of needs, referrals and contacts.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from openiop.accounts.models import User
from openiop.patients.models import Patient
from openiop.support.needs.selectors import patient_needs
from openiop.support.peer import selectors as peer

CONTACTS_SHOWN = 10


def tab(request: HttpRequest, user: User, patient: Patient) -> tuple[str, dict[str, Any]]:
    today = timezone.localdate()
    open_needs, closed_needs = patient_needs(patient, today=today)
    contacts = list(peer.patient_contacts(patient)[: CONTACTS_SHOWN + 1])
    return "support/chart_tab.html", {
        "open_needs": open_needs,
        "closed_needs": closed_needs,
        "peer_contacts": contacts[:CONTACTS_SHOWN],
        "more_peer_contacts": len(contacts) > CONTACTS_SHOWN,
        "meeting_weeks": peer.meeting_weeks(patient, today=today),
        "alumni_attended": list(peer.attended_events(patient)),
        "today": today,
    }
