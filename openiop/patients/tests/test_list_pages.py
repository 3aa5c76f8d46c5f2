"""Patient list pages at scale: keyset pages, the name key and its indexes, similar names,
constant queries, and the refusals every reader of patient data gets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from openiop.accounts.models import Role
from openiop.core import access
from openiop.core.models import AuditEvent
from openiop.core.testing import (
    PatientFactory,
    World,
    login,
    login_password_only,
    make_staff,
)
from openiop.patients import selectors
from openiop.patients.models import Patient

postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="pg_trgm and the query plan are PostgreSQL's"
)


def _names(response: Any) -> list[str]:
    return [p.last_name + " " + p.first_name for p in response.context["patients"]]


def _many(world: World, n: int, **kwargs: Any) -> list[Patient]:
    return PatientFactory.create_batch(n, site=world.site_a1, program=world.program_a1, **kwargs)


# The name key ------------------------------------------------------------------------------


def test_the_name_key_is_kept_on_save_update_and_bulk_insert(world: World) -> None:
    patient = world.patient_a1
    assert patient.search_name == "quintero alma"
    patient.first_name = "Almá-Rosa"
    patient.save(update_fields=["first_name"])
    patient.refresh_from_db()
    assert patient.search_name == "quintero alma rosa"
    [bulk] = Patient.objects.bulk_create(
        [
            Patient(
                organization=world.org_a,
                site=world.site_a1,
                mrn="0009999",
                first_name="Seán",
                last_name="O\u2019Brien",
                date_of_birth=world.patient_a1.date_of_birth,
            )
        ]
    )
    assert Patient.objects.get(mrn="0009999", organization=world.org_a).search_name == (
        "obrien sean"
    )
    assert bulk.search_name == "obrien sean"


# Keyset pages ------------------------------------------------------------------------------


def _walk(client: Client, first: Any) -> list[list[str]]:
    pages, response = [], first
    while True:
        assert response.status_code == 200
        pages.append(_names(response))
        nxt = response.context["page"].next_cursor
        if not nxt:
            return pages
        response = client.get(reverse("patients:list"), {"cursor": nxt})


def test_pages_go_forward_and_back_in_a_stable_order_ties_by_id(
    client: Client, world: World
) -> None:
    # 30 people with the same name (ties broken by id) among 30 others: 61 visible patients.
    twins = _many(world, 30, first_name="Ana", last_name="Núñez")
    _many(world, 30)
    login(client, world.counselor_a1)
    pages = _walk(client, client.get(reverse("patients:list")))
    assert [len(p) for p in pages] == [25, 25, 11]
    flat = [name for page in pages for name in page]
    visible = access.patients_visible_to(world.counselor_a1)
    expected = list(visible.order_by("search_name", "pk"))
    assert flat == [p.last_name + " " + p.first_name for p in expected]
    ids = [p.pk for p in expected]
    assert len(set(ids)) == 61 and {t.pk for t in twins} <= set(ids)
    # Back from the last page: the middle page again, exactly.
    second = client.get(reverse("patients:list"), {"cursor": _cursor_after(client)})
    assert [p.pk for p in second.context["patients"]] == ids[25:50]
    back = client.get(reverse("patients:list"), {"cursor": second.context["page"].previous_cursor})
    assert [p.pk for p in back.context["patients"]] == ids[:25]
    assert back.context["page"].previous_cursor is None


def _cursor_after(client: Client) -> str:
    cursor = client.get(reverse("patients:list")).context["page"].next_cursor
    assert cursor
    return str(cursor)


def test_a_changed_or_forged_cursor_is_a_clear_400(client: Client, world: World) -> None:
    _many(world, 30)
    login(client, world.counselor_a1)
    good = _cursor_after(client)
    for bad in (
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),  # signature changed
        "n1",  # unsigned
        "n" + "9" * 40,  # unsigned, huge
        selectors._cursor("n", 10**30),  # signed, beyond any id
        selectors._cursor("x", 1),  # signed, unknown direction
        selectors._cursor("n", world.patient_a2.pk),  # a patient the user does not see
        "%00",
    ):
        response = client.get(reverse("patients:list"), {"cursor": bad})
        assert response.status_code == 400, bad
        assert b"Start again from the first page" in response.content
        assert b"Okafor" not in response.content
    posted = client.post(reverse("patients:list"), {"text": "Example", "cursor": "n1"})
    assert posted.status_code == 400


def test_ids_of_any_size_page_correctly(client: Client, world: World) -> None:
    big = PatientFactory.create(
        pk=2**53 + 1, site=world.site_a1, program=world.program_a1, last_name="Aaberg"
    )
    _many(world, 30)
    login(client, world.counselor_a1)
    first = client.get(reverse("patients:list"))
    assert first.context["patients"][0].pk == big.pk
    following = client.get(reverse("patients:list"), {"cursor": first.context["page"].next_cursor})
    assert following.status_code == 200
    back = client.get(
        reverse("patients:list"), {"cursor": following.context["page"].previous_cursor}
    )
    assert back.context["patients"][0].pk == big.pk


def test_the_list_counts_nothing_and_its_queries_do_not_grow(
    client: Client, world: World, django_assert_num_queries: Callable[..., Any]
) -> None:
    def page_queries() -> list[str]:
        with django_assert_num_queries(LIST_QUERIES) as ctx:
            assert client.get(reverse("patients:list")).status_code == 200
        with django_assert_num_queries(NEXT_QUERIES):
            assert client.get(reverse("patients:list"), {"cursor": cursor()}).status_code == 200
        return [q["sql"] for q in ctx.captured_queries]

    def cursor() -> str:
        return selectors._cursor("n", world.patient_a1.pk)

    login(client, world.counselor_a1)
    client.get(reverse("patients:list"))  # warm the session
    _many(world, 5)
    few = page_queries()
    _many(world, 35)
    page_queries()
    counts = [sql for sql in few if sql.upper().startswith("SELECT COUNT(")]
    assert not any('FROM "PATIENTS_PATIENT"' in sql.upper().split(" WHERE ")[0] for sql in counts)


# Fixed budgets, the same at 5 and at 40 patients: session and user, the navigation's
# counts, the page, its prefetched enrolments, the audit event (a later page also reads the
# cursor's anchor).
LIST_QUERIES = 12
NEXT_QUERIES = 12


def test_search_pages_by_post_and_keeps_names_out_of_urls(client: Client, world: World) -> None:
    _many(world, 30, last_name="Smith")
    login(client, world.counselor_a1)
    first = client.post(reverse("patients:list"), {"text": "smi"})
    assert len(first.context["patients"]) == 25
    cursor = first.context["page"].next_cursor
    assert cursor and "smi" not in cursor.lower()
    assert f'name="cursor" value="{cursor}"'.encode() in first.content
    second = client.post(reverse("patients:list"), {"text": "smi", "cursor": cursor})
    assert len(second.context["patients"]) == 5
    assert "smi" not in second.request["PATH_INFO"] and not second.request["QUERY_STRING"]


def test_search_finds_names_however_typed(client: Client, world: World) -> None:
    PatientFactory.create(
        site=world.site_a1, program=world.program_a1, first_name="José", last_name="O'Brien-Núñez"
    )
    login(client, world.counselor_a1)
    for typed in (
        "obrien",
        "O\u2019BRIEN nunez",
        "obrien-nunez jose",
        "José O'Brien-Núñez",
        "OBri",
    ):
        response = client.post(reverse("patients:list"), {"text": typed})
        assert _names(response) == ["O'Brien-Núñez José"], typed
        assert not response.context["similar"], typed


def test_name_and_date_of_birth_narrow_together(client: Client, world: World) -> None:
    PatientFactory.create(
        site=world.site_a1, program=world.program_a1, first_name="Alma", last_name="Quinn"
    )
    login(client, world.counselor_a1)
    both = client.post(reverse("patients:list"), {"text": "quin", "date_of_birth": "1990-05-17"})
    assert sorted(_names(both)) == ["Quinn Alma", "Quintero Alma"]
    other_day = client.post(
        reverse("patients:list"), {"text": "quin", "date_of_birth": "1991-05-17", "similar": ""}
    )
    assert _names(other_day) == []


def test_without_a_prefix_match_names_containing_the_words_are_offered(
    client: Client, world: World
) -> None:
    login(client, world.counselor_a1)
    response = client.post(reverse("patients:list"), {"text": "tero"})
    assert response.context["similar"] and _names(response) == ["Quintero Alma"]
    assert b"No name starts that way" in response.content


@postgres_only
def test_similar_names_find_misspellings_on_postgresql(client: Client, world: World) -> None:
    PatientFactory.create(
        site=world.site_a1, program=world.program_a1, first_name="John", last_name="Smith"
    )
    PatientFactory.create(
        site=world.site_a1, program=world.program_a1, first_name="Jane", last_name="Smith"
    )
    login(client, world.counselor_a1)
    response = client.post(reverse("patients:list"), {"text": "Jonh Smtih"})
    assert response.context["similar"]
    assert _names(response)[0] == "Smith John"
    asked = client.post(reverse("patients:list"), {"text": "Smith", "similar": "on"})
    assert asked.context["similar"] and "Smith John" in _names(asked)


@postgres_only
def test_prefix_search_uses_the_name_index_on_postgresql(world: World) -> None:
    _many(world, 50)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE patients_patient")
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny table: force the choice
    qs = selectors.patient_search(world.director_a, text="quin")
    plan = qs.explain()
    assert "patient_org_sname_prefix" in plan or "patient_org_sname_id" in plan, plan
    with_dob = selectors.patient_search(
        world.director_a, text="quin", date_of_birth=world.patient_a1.date_of_birth
    ).explain()
    assert "patient_org_dob_sname" in with_dob or "patient_org_sname" in with_dob, with_dob


# Refusals ----------------------------------------------------------------------------------


def test_other_sites_and_organizations_see_nothing_of_the_pages(
    client: Client, world: World
) -> None:
    _many(world, 30, last_name="Smith")
    login(client, world.counselor_a2)
    listing = client.get(reverse("patients:list"))
    assert b"Smith" not in listing.content and b"Quintero" not in listing.content
    searched = client.post(reverse("patients:list"), {"text": "smith", "similar": "on"})
    assert _names(searched) == [] and b"Smith" not in searched.content
    login(client, world.director_b)
    assert b"Quintero" not in client.post(reverse("patients:list"), {"text": "quin"}).content
    stolen = selectors._cursor("n", world.patient_a1.pk)
    refused = client.get(reverse("patients:list"), {"cursor": stolen})
    assert refused.status_code == 400 and b"Quintero" not in refused.content
    event = AuditEvent.objects.filter(action="query", username="director_b").last()
    assert event is not None and str(world.patient_a1.pk) not in event.detail


def test_a_session_without_the_second_factor_gets_no_page(client: Client, world: World) -> None:
    login_password_only(client, world.counselor_a1)
    response = client.get(reverse("patients:list"), {"cursor": _signed(world)})
    assert response.status_code == 302 and b"Quintero" not in response.content
    assert client.post(reverse("patients:list"), {"text": "quin"}).status_code == 302


def test_a_portal_account_gets_no_page(client: Client, world: World) -> None:
    portal = make_staff("portal_a", Role.PATIENT, world.org_a, sites=[world.site_a1])
    login(client, portal)
    for response in (
        client.get(reverse("patients:list")),
        client.post(reverse("patients:list"), {"text": "quin"}),
        client.get(reverse("patients:list"), {"cursor": _signed(world)}),
    ):
        assert response.status_code == 302 and response["Location"] == reverse("portal:home")
        assert b"Quintero" not in response.content


def _signed(world: World) -> str:
    return selectors._cursor("n", world.patient_a1.pk)
