"""Read paths for patients. Each returns only what `core.access` lets the user see,
with a fixed number of queries however many patients there are."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet

from openiop.core import access
from openiop.domain import ageout
from openiop.patients.models import OPEN_STATUSES, Enrollment, Patient, open_enrollments

if TYPE_CHECKING:
    from openiop.accounts.models import User

MAX_RESULTS = 100


def patient_count_for(user: User) -> int:
    return access.patients_visible_to(user).count()


def with_program_labels(qs: QuerySet[Patient]) -> QuerySet[Patient]:
    """Prefetch each patient's open enrolments (one query for the whole page), which
    ``Patient.program_label`` reads."""
    return qs.prefetch_related(
        Prefetch("enrollments", queryset=open_enrollments(), to_attr="open_enrollments")
    )


def patient_list(user: User) -> QuerySet[Patient]:
    return with_program_labels(access.patients_visible_to(user).select_related("site"))


@dataclass(frozen=True)
class AgeOutFlag:
    """An open enrolment in an adolescent track of a patient who has turned 18, not yet
    reviewed by a clinician."""

    enrollment: Enrollment
    adult_on: date

    @property
    def patient(self) -> Patient:
        return self.enrollment.patient


def age_out_flags(patients: QuerySet[Patient] | Iterable[int], *, today: date) -> list[AgeOutFlag]:
    """Age-out flags of these patients on ``today`` (one query; the domain decides). Pass the
    user's visible patients as a queryset, or patient ids already authorized."""
    if isinstance(patients, QuerySet):
        within = Q(patient__in=patients.values("pk"))
    else:
        within = Q(patient_id__in=list(patients))
    adolescent = Q(track__kind=ageout.ADOLESCENT_KIND) | Q(track__max_age__lt=ageout.ADULT_AGE)
    candidates = list(
        Enrollment.objects.filter(
            within,
            adolescent,
            status__in=OPEN_STATUSES,
            patient__date_of_birth__lte=ageout.latest_adult_birth_date(today),
            age_out_review__isnull=True,
        )
        .select_related("patient", "track")
        .order_by("patient__last_name", "patient__first_name", "pk")
    )
    by_id = {e.pk: e for e in candidates}
    stays = [
        ageout.Stay(e.pk, e.patient.date_of_birth, e.track.kind, e.track.max_age)
        for e in candidates
    ]
    return [
        AgeOutFlag(by_id[a.enrollment_id], a.adult_on) for a in ageout.due_for_review(stays, today)
    ]


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
