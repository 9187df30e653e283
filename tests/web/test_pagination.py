from __future__ import annotations

import pytest
from django.test import RequestFactory

from coproduce.errors import InvalidInput
from coproduce.framework.pagination import paginate
from coproduce.people.models import Organisation

pytestmark = pytest.mark.django_db


def _organisations(count: int) -> None:
    Organisation.objects.bulk_create(
        [
            Organisation(name=f"Org {i:03d}", slug=f"org-{i:03d}", kind="partner")
            for i in range(count)
        ]
    )


@pytest.mark.parametrize("one_query", [False, True])
@pytest.mark.parametrize(
    ("requested", "shown", "first"),
    [("1", 1, "Org 000"), ("3", 3, "Org 050"), ("99", 3, "Org 050"), ("1000000", 3, "Org 050")],
)
def test_pages_and_totals_agree_either_way(
    one_query: bool, requested: str, shown: int, first: str, django_assert_max_num_queries: object
) -> None:
    _organisations(60)
    request = RequestFactory().get("/", {"page": requested, "q": "x"})
    queryset = Organisation.objects.order_by("name")
    with django_assert_max_num_queries(3 if one_query else 2):  # type: ignore[operator]
        page = paginate(request, queryset, one_query=one_query)
        names = [organisation.name for organisation in page.object_list]
    assert page.number == shown
    assert page.paginator.count == 60 and page.paginator.num_pages == 3
    assert names[0] == first and len(names) == (10 if shown == 3 else 25)
    assert page.querystring_base == "q=x&"  # type: ignore[attr-defined]


def test_one_query_mode_really_uses_one_query(django_assert_num_queries: object) -> None:
    _organisations(30)
    request = RequestFactory().get("/", {"page": "2"})
    with django_assert_num_queries(1):  # type: ignore[operator]
        page = paginate(request, Organisation.objects.order_by("name"), one_query=True)
        assert [o.name for o in page.object_list][:1] == ["Org 025"]


def test_an_empty_list_has_one_empty_page() -> None:
    request = RequestFactory().get("/")
    page = paginate(request, Organisation.objects.order_by("name"), one_query=True)
    assert page.number == 1 and list(page.object_list) == []


def test_a_page_that_is_not_a_number_is_bad_input() -> None:
    with pytest.raises(InvalidInput, match=r"The page number must be a whole number\."):
        paginate(RequestFactory().get("/", {"page": "two"}), [])


@pytest.mark.parametrize("one_query", [False, True])
@pytest.mark.parametrize("requested", ["0", "-4", "1000001", "9" * 30])
def test_a_page_out_of_range_is_bad_input_not_a_database_error(
    one_query: bool, requested: str
) -> None:
    _organisations(3)
    request = RequestFactory().get("/", {"page": requested})
    with pytest.raises(InvalidInput, match=r"^The page number must be from 1 to 1,000,000\.$"):
        paginate(request, Organisation.objects.order_by("name"), one_query=one_query)


def test_a_page_out_of_range_on_a_list_page_answers_400_naming_it(client: object) -> None:
    response = client.get("/organisations/", {"page": "9" * 25})  # type: ignore[attr-defined]
    assert response.status_code == 400
    assert "The page number must be from 1 to 1,000,000." in response.content.decode()
