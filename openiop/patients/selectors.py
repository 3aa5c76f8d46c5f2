"""Read paths for patients. Each returns only what `core.access` lets the user see,
with a fixed number of queries however many patients there are."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.core import signing
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    CharField,
    F,
    FloatField,
    Func,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Concat, Greatest

from openiop.core import access
from openiop.domain import ageout
from openiop.domain.names import normalize_name, prefix_forms
from openiop.patients.models import OPEN_STATUSES, Enrollment, Patient, open_enrollments

if TYPE_CHECKING:
    from openiop.accounts.models import User

MAX_RESULTS = 100
PAGE_SIZE = 25
# Similar-name search (PostgreSQL pg_trgm): a typed word matches a name word whose trigram
# word similarity reaches this (the extension's default, 0.6, misses swapped letters such as
# "Jonh" for "John", which score 0.4).
WORD_SIMILARITY = 0.3
SIMILAR_RESULTS = 25

# Search results sort by the key through an expression of the same value (same order), so
# that PostgreSQL finds the matches through the prefix index and sorts them, rather than
# walking the whole organization in list order and filtering: with LIMIT, the planner takes
# the ordered index when it assumes matches are spread evenly, and a prefix late in the
# alphabet then reads most of the table.
SEARCH_ORDER = Concat(F("search_name"), Value(""), output_field=CharField())


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


def _split(text: str) -> tuple[list[str], str]:
    """Record numbers (words of digits) and the rest of what was typed, as a name."""
    words = text.split()
    return [w for w in words if w.isdigit()], " ".join(w for w in words if not w.isdigit())


def patient_search(
    user: User, *, text: str = "", date_of_birth: date | None = None
) -> QuerySet[Patient]:
    """Patients whose name starts as typed, in list order. Words of digits match the record
    number exactly; the other words, compared in their normal form (``domain.names``), are
    the start of "last first" or, typed as "first last", of it with the last word moved
    first; the date of birth narrows. Served by the prefix indexes (organization, name) and
    (organization, date of birth, name)."""
    qs = patient_list(user)
    mrns, name = _split(text)
    for mrn in mrns:  # record numbers are digits: an exact, indexed match
        qs = qs.filter(mrn=mrn)
    forms = prefix_forms(name)
    if forms:
        starts = Q()
        for form in forms:
            starts |= Q(search_name__startswith=form)
        qs = qs.filter(starts)
    elif name.strip():
        return qs.none()  # only punctuation was typed: nothing can match
    if date_of_birth is not None:
        qs = qs.filter(date_of_birth=date_of_birth)
    return qs.order_by(SEARCH_ORDER, "pk")


def similar_search_available() -> bool:
    """Similar-name search needs PostgreSQL's pg_trgm; SQLite offers names containing each
    typed word instead."""
    return connection.vendor == "postgresql"


def _word_similar(word: str) -> Func:
    # `name %> word`: word_similarity(word, name) reaches pg_trgm.word_similarity_threshold;
    # the GIN trigram index serves it (PostgreSQL manual, F.35.4 "Index Support").
    return Func(
        F("search_name"),
        Value(word),
        template="%(expressions)s",
        arg_joiner=" %%> ",
        output_field=BooleanField(),
    )


def patient_similar(
    user: User, *, text: str = "", date_of_birth: date | None = None
) -> list[Patient]:
    """Patients whose name contains each typed word or, on PostgreSQL, whose name words are
    spelled close to the typed ones ("Jonh Smtih" finds John Smith), best first; at most
    ``SIMILAR_RESULTS``. For when the prefix search finds nothing, or when asked."""
    mrns, name = _split(text)
    words = normalize_name(name).split()
    if not words:
        return []
    qs = patient_list(user)
    for mrn in mrns:
        qs = qs.filter(mrn=mrn)
    if date_of_birth is not None:
        qs = qs.filter(date_of_birth=date_of_birth)
    if not similar_search_available():
        contains = Q()
        for word in words:
            contains &= Q(search_name__contains=word)
        return list(qs.filter(contains).order_by("search_name", "pk")[:SIMILAR_RESULTS])
    # A typed word that is part of a name scores high on its own: no separate "contains".
    close = Q()
    score: Func | Value = Value(0.0)
    for word in words:
        close |= Q(_word_similar(word))
        score = Func(
            score,
            Func(Value(word), F("search_name"), function="word_similarity"),
            template="(%(expressions)s)",
            arg_joiner=" + ",
            output_field=FloatField(),
        )
    ranked = (
        qs.filter(close)
        .annotate(likeness=Greatest(score, Value(0.0), output_field=FloatField()))
        .order_by("-likeness", "search_name", "pk")
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # Settings local to this block, undone by its rollback (a read: nothing else is
        # lost). The planner prices the trigram operator too low and would scan every
        # patient of the organization; the GIN index reads only the candidates.
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true),"
            " set_config('enable_seqscan', 'off', true),"
            " set_config('enable_indexscan', 'off', true)",
            [str(WORD_SIMILARITY)],
        )
        found: list[Patient] = list(ranked[:SIMILAR_RESULTS])
        transaction.set_rollback(True)
    return found


class CursorError(ValueError):
    """A page link that was changed or that points nowhere: say so, do not guess."""


@dataclass(frozen=True)
class Page:
    """One page of patients in list order, with the cursors of its neighbours (None at an
    end). A cursor carries a direction and a patient id, signed: never a name."""

    patients: list[Patient]
    next_cursor: str | None
    previous_cursor: str | None


_SIGNER = signing.Signer(salt="openiop.patients.page-cursor")
_MAX_ID = 2**63 - 1  # the largest id a 64-bit key holds


def _cursor(direction: str, pk: int) -> str:
    return _SIGNER.sign(f"{direction}{pk}")


def read_cursor(token: str) -> tuple[str, int]:
    """The direction ("n" after, "p" before) and the anchor id of a cursor, or CursorError."""
    try:
        value = _SIGNER.unsign(token)
    except signing.BadSignature as exc:
        raise CursorError("This page link is not valid. Start again from the first page.") from exc
    direction, digits = value[:1], value[1:]
    if direction not in ("n", "p") or not digits.isdigit() or not 0 < int(digits) <= _MAX_ID:
        raise CursorError("This page link is not valid. Start again from the first page.")
    return direction, int(digits)


def keyset_page(
    qs: QuerySet[Patient], *, scope: QuerySet[Patient], cursor: str = "", size: int = PAGE_SIZE
) -> Page:
    """A page of ``qs`` in (search name, id) order (or ``qs``'s own ordering by the same
    values, as the search's) after or before the cursor's patient,
    without counting the rest (keyset pagination: each page costs the same at any depth).
    The anchor is looked up within ``scope`` (what the user may see), so a cursor cannot
    place the page relative to a patient the user does not see. Two queries at most, plus
    those of ``qs``'s prefetches."""
    if not qs.query.order_by:
        qs = qs.order_by("search_name", "pk")
    ordered = qs
    if not cursor:
        rows = list(ordered[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        return Page(rows, _cursor("n", rows[-1].pk) if more else None, None)
    direction, anchor_id = read_cursor(cursor)
    key = scope.filter(pk=anchor_id).values_list("search_name", flat=True).first()
    if key is None:
        raise CursorError("This page is no longer available. Start again from the first page.")
    if direction == "n":
        after = Q(search_name__gt=key) | Q(search_name=key, pk__gt=anchor_id)
        rows = list(ordered.filter(after, search_name__gte=key)[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        nxt = _cursor("n", rows[-1].pk) if more else None
        return Page(rows, nxt, _cursor("p", rows[0].pk) if rows else None)
    before = Q(search_name__lt=key) | Q(search_name=key, pk__lt=anchor_id)
    backwards = qs.reverse().filter(before, search_name__lte=key)
    rows = list(backwards[: size + 1])
    more = len(rows) > size
    rows = rows[:size][::-1]
    prev = _cursor("p", rows[0].pk) if more else None
    return Page(rows, _cursor("n", rows[-1].pk) if rows else None, prev)


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
