"""Read paths for patients. Each returns only what `core.access` lets the user see,
with a fixed number of queries however many patients there are."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from openiop.core import access
from openiop.patients.models import Patient

if TYPE_CHECKING:
    from openiop.accounts.models import User

MAX_RESULTS = 100


def patient_count_for(user: User) -> int:
    return access.patients_visible_to(user).count()


def patient_list(user: User) -> QuerySet[Patient]:
    return access.patients_visible_to(user).select_related("site", "program")


def patient_search(
    user: User, *, text: str = "", date_of_birth: date | None = None
) -> QuerySet[Patient]:
    """Match each word of `text`: digits against the record number exactly, other words
    against first, last or preferred name (anywhere in the name, any case); narrow by date
    of birth when given."""
    qs = patient_list(user)
    for word in text.split():
        if word.isdigit():  # record numbers are digits: an exact, indexed match
            qs = qs.filter(mrn=word)
            continue
        qs = qs.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(preferred_name__icontains=word)
        )
    if date_of_birth is not None:
        qs = qs.filter(date_of_birth=date_of_birth)
    return qs


def possible_duplicates(
    *, organization_id: int, first_name: str, last_name: str, date_of_birth: date
) -> QuerySet[Patient]:
    """Same name (case-insensitive) and date of birth in the organization."""
    return Patient.objects.filter(
        organization_id=organization_id,
        first_name__iexact=first_name.strip(),
        last_name__iexact=last_name.strip(),
        date_of_birth=date_of_birth,
    ).select_related("site")
