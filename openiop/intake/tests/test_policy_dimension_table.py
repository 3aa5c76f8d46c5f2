"""The program policy page edits the dimension-to-level table: saved with the rest of the
policy and audited, used by the engine, refused (422, nothing saved) when the domain refuses
it, and refused to a role without the policy action (403) or another organization (404)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from openiop.core.models import AuditEvent
from openiop.core.testing import World, login
from openiop.domain.placement.policy import default_dimension_levels, dimension_levels_table
from openiop.intake import services
from openiop.intake.forms import level_field
from openiop.intake.models import PlacementPolicySetting
from openiop.intake.placement import Assessment, policy_for


def _table_post(table: dict[str, list[str]] | None = None) -> dict[str, str]:
    table = table or dimension_levels_table(default_dimension_levels())
    return {
        level_field(int(number), rating): level
        for number, row in table.items()
        for rating, level in enumerate(row)
    }


def _d5_at(level: str, rating: int = 2) -> dict[str, list[str]]:
    table = dimension_levels_table(default_dimension_levels())
    table["5"][rating] = level
    return table


def test_the_page_shows_the_default_table_as_program_policy(client: Client, world: World) -> None:
    login(client, world.director_a)
    page = client.get(reverse("intake:policy", args=[world.program_a1.pk])).content.decode()
    assert "Not built yet" not in page and "Dimension table" in page
    assert page.count("Program policy (set in Settings)") >= 2
    assert f'name="{level_field(5, 3)}"' in page
    assert '<option value="2.5" selected>2.5</option>' in page


def test_saving_the_default_table_stores_no_table(client: Client, world: World) -> None:
    login(client, world.director_a)
    url = reverse("intake:policy", args=[world.program_a1.pk])
    assert client.post(url, {**_table_post(), "adult_age": "19"}).status_code == 302
    setting = PlacementPolicySetting.objects.get(program=world.program_a1)
    assert setting.placement == {"adult_age": 19}
    assert policy_for(world.program_a1)[0].dimension_levels == default_dimension_levels()


def test_a_program_table_is_saved_audited_and_used(client: Client, world: World) -> None:
    login(client, world.director_a)
    url = reverse("intake:policy", args=[world.program_a1.pk])
    response = client.post(url, _table_post(_d5_at("2.5")))
    assert response.status_code == 302
    setting = PlacementPolicySetting.objects.get(program=world.program_a1)
    assert setting.placement["dimension_levels"]["5"] == ["1", "1", "2.5", "2.5", "3.x"]
    event = AuditEvent.objects.filter(object_type="intake.placementpolicysetting").last()
    assert event is not None and event.username == "director_a"
    assert "dimension_levels" in event.fields
    page = client.get(url).content.decode()
    assert "default 2.1" in page  # the changed cell names its default

    ratings = {n: (1, f"mild, dimension {n}") for n in range(1, 7)}
    ratings[5] = (2, "returned to drinking after a month")
    decision = services.placement_decide(
        actor=world.counselor_a1,
        patient=world.patient_a1,
        assessment=Assessment(
            ratings=ratings, criteria={}, conditions=frozenset(), screening_facts={}
        ),
        accept=True,
    )
    assert decision.recommended_level == "2.5"
    assert decision.policy["dimension_levels"]["5"][2] == "2.5"
    other = policy_for(world.program_a2)[0]
    assert other.dimension_levels == default_dimension_levels()


def test_a_non_monotone_or_unknown_table_is_refused_with_422_and_nothing_saved(
    client: Client, world: World
) -> None:
    login(client, world.director_a)
    url = reverse("intake:policy", args=[world.program_a1.pk])
    before = AuditEvent.objects.count()
    decreasing = client.post(url, {**_table_post(_d5_at("1", rating=3)), "adult_age": "19"})
    body = decreasing.content.decode()
    assert decreasing.status_code == 422
    assert "Dimension 5 (relapse" in body and "rating 3 calls for level 1," in body
    unknown = client.post(url, _table_post(_d5_at("2.7")))
    assert unknown.status_code == 422
    assert (
        "Dimension 5 (relapse" in unknown.content.decode()
        and "unknown level" in unknown.content.decode()
    )
    partial = _table_post()
    del partial[level_field(2, 4)]
    missing = client.post(url, partial)
    assert missing.status_code == 422 and "Dimension 2 (biomedical" in missing.content.decode()
    assert not PlacementPolicySetting.objects.exists()
    assert not AuditEvent.objects.filter(
        object_type="intake.placementpolicysetting", action="change"
    ).exists()
    assert AuditEvent.objects.count() >= before


def test_a_refused_table_leaves_the_saved_one_unchanged(client: Client, world: World) -> None:
    login(client, world.director_a)
    url = reverse("intake:policy", args=[world.program_a1.pk])
    assert client.post(url, _table_post(_d5_at("2.5"))).status_code == 302
    assert client.post(url, _table_post(_d5_at("1", rating=4))).status_code == 422
    setting = PlacementPolicySetting.objects.get(program=world.program_a1)
    assert setting.placement["dimension_levels"]["5"] == ["1", "1", "2.5", "2.5", "3.x"]


def test_a_role_without_the_policy_action_is_refused_403_and_audited(
    client: Client, world: World
) -> None:
    login(client, world.counselor_a1)
    url = reverse("intake:policy", args=[world.program_a1.pk])
    before = AuditEvent.objects.filter(action="denied").count()
    response = client.post(url, _table_post(_d5_at("2.5")))
    assert response.status_code == 403
    denied = AuditEvent.objects.filter(action="denied").order_by("seq")
    assert denied.count() == before + 1
    last = denied.last()
    assert last is not None and last.username == "counselor_a1"
    assert not PlacementPolicySetting.objects.exists()


def test_a_user_of_another_organization_gets_404(client: Client, world: World) -> None:
    login(client, world.director_b)
    url = reverse("intake:policy", args=[world.program_a1.pk])
    before = AuditEvent.objects.filter(action="denied").count()
    response = client.post(url, _table_post(_d5_at("2.5")))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="denied").count() == before + 1
    assert not PlacementPolicySetting.objects.exists()
