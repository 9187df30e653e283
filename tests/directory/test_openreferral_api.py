from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from coproduce.directory import openreferral, services
from coproduce.directory.models import Asset
from coproduce.people.models import Organisation
from tests.conftest import World

from .conftest import saturday_morning
from .test_openreferral import assert_valid


def test_services_page_has_the_standard_paging_and_valid_contents(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    for n in range(5):
        make_asset(name=f"Hall {n}")
    response = Client().get("/openreferral/services", {"page": 2, "per_page": 2})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert {k: v for k, v in body.items() if k != "contents"} == {
        "total_items": 5,
        "total_pages": 3,
        "page_number": 2,
        "size": 2,
        "first_page": False,
        "last_page": False,
        "empty": False,
    }
    assert [s["name"] for s in body["contents"]] == ["Hall 2", "Hall 3"]
    for item in body["contents"]:
        assert_valid("service_list.json", item)


def test_services_search_day_age_and_taxonomy_parameters(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    term = services.taxonomy_term_create(name="Gardening", taxonomy_name="Activities")
    make_asset(
        name="Allotments",
        description="Growing vegetables",
        taxonomy_term_ids=[term.pk],
        schedules=[saturday_morning()],
        minimum_age=16,
    )
    make_asset(name="Library", description="Books", minimum_age=0, maximum_age=12)
    client = Client()

    def names(**params: object) -> list[str]:
        body = client.get("/openreferral/services", params).json()
        return [s["name"] for s in body["contents"]]

    assert names(search="vegetables") == ["Allotments"]
    assert names(taxonomy_term_id=str(term.pk)) == ["Allotments"]
    assert names(taxonomy_id=str(term.taxonomy.pk)) == ["Allotments"]  # type: ignore[union-attr]
    assert names(day="Saturday") == ["Allotments"]
    assert names(day="SA", start_time="09:00", end_time="12:00") == ["Allotments"]
    assert names(maximum_age=12) == ["Library"]
    assert names(minimum_age=16) == ["Allotments"]


def test_service_at_locations_near_a_postcode_within_proximity_metres(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    make_asset(name="Here", postcode="LS6 2AB", latitude=53.82, longitude=-1.57)
    make_asset(name="Five km away", postcode="LS6 9ZZ", latitude=53.865, longitude=-1.57)
    client = Client()
    near = client.get(
        "/openreferral/service_at_locations", {"postcode": "LS6 2AB", "proximity": "1000"}
    ).json()
    assert [c["service"]["name"] for c in near["contents"]] == ["Here"]
    wide = client.get(
        "/openreferral/service_at_locations", {"postcode": "LS62AB", "proximity": "10000"}
    ).json()
    assert [c["service"]["name"] for c in wide["contents"]] == ["Here", "Five km away"]
    for item in wide["contents"]:
        assert_valid("service_at_location_list.json", item)
    detail = client.get(f"/openreferral/service_at_locations/{wide['contents'][0]['id']}")
    assert_valid("service_at_location.json", detail.json())


def test_bad_parameters_answer_400_with_the_field(world: World) -> None:
    response = Client().get("/openreferral/services", {"per_page": "500"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "per_page"
    response = Client().get("/openreferral/services", {"postcode": "ZZ1 1ZZ"})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("We do not know where ZZ1 1ZZ is")


def test_service_detail_is_fully_nested_and_private_ones_are_404(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    asset = make_asset(schedules=[saturday_morning()])
    response = Client().get(f"/openreferral/services/{asset.pk}")
    assert response.status_code == 200
    assert_valid("service.json", response.json())
    assert response.json()["schedules"][0]["byday"] == "SA"
    Organisation.objects.filter(pk=world.org.pk).update(is_public=False)
    assert Client().get(f"/openreferral/services/{asset.pk}").status_code == 404
    assert Client().get("/openreferral/services/not-a-uuid").status_code == 404
    assert Client().get("/openreferral/services").json()["empty"] is True


def test_taxonomies_and_terms_are_listed(world: World) -> None:
    term = services.taxonomy_term_create(name="Gardening", taxonomy_name="Activities")
    client = Client()
    taxonomies = client.get("/openreferral/taxonomies").json()
    assert [t["name"] for t in taxonomies["contents"]] == ["Activities"]
    terms = client.get("/openreferral/taxonomy_terms").json()
    assert terms["contents"] == [openreferral.term_json(term)]
    assert client.get(f"/openreferral/taxonomy_terms/{term.pk}").json()["name"] == "Gardening"
