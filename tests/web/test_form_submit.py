"""The one way a page handles a form (coproduce.framework.forms.form_submit): an empty POST
is a bound form whose required fields say so, a service's error lands on the field it
names, and a refusal or a missing record goes on to the error pages."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.urls import reverse

from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.framework.forms import form_data, form_submit
from coproduce.people.models import Person
from tests.conftest import World

REQUIRED = "This field is required."


class _Form(forms.Form):
    name = forms.CharField()
    starts = forms.CharField(required=False)


def _post(data: dict[str, str]) -> Any:
    request = RequestFactory().post("/", data)
    request.user = AnonymousUser()
    return request


def test_a_get_binds_nothing_and_calls_nothing() -> None:
    request = RequestFactory().get("/")
    calls: list[dict[str, Any]] = []
    form = _Form(form_data(request))
    assert form_submit(request, form, calls.append) is None
    assert not form.is_bound
    assert calls == []


def test_an_empty_post_binds_and_names_the_required_field() -> None:
    request = _post({})
    calls: list[dict[str, Any]] = []
    form = _Form(form_data(request))
    assert form_submit(request, form, calls.append) is None
    assert form.errors == {"name": [REQUIRED]}
    assert calls == []


def test_a_valid_post_calls_the_service_with_the_cleaned_data() -> None:
    request = _post({"name": " Ana "})
    form = _Form(form_data(request))
    assert form_submit(request, form, lambda data: data["name"]) == "Ana"


def test_a_services_invalid_input_lands_on_the_field_it_names() -> None:
    request = _post({"name": "Ana"})
    form = _Form(form_data(request))

    def refuse(data: dict[str, Any]) -> None:
        raise InvalidInput("name", "That name is taken.")

    assert form_submit(request, form, refuse) is None
    assert form.errors == {"name": ["That name is taken."]}


def test_a_services_field_is_renamed_to_the_forms() -> None:
    request = _post({"name": "Ana"})
    form = _Form(form_data(request))

    def refuse(data: dict[str, Any]) -> None:
        raise InvalidInput("starts_at", "Choose a time on the hour.")

    assert form_submit(request, form, refuse, fields={"starts_at": "starts"}) is None
    assert form.errors == {"starts": ["Choose a time on the hour."]}


def test_a_conflict_goes_at_the_top_of_the_form() -> None:
    request = _post({"name": "Ana"})
    form = _Form(form_data(request))

    def clash(data: dict[str, Any]) -> None:
        raise Conflict("This has been closed.")

    assert form_submit(request, form, clash) is None
    assert form.non_field_errors() == ["This has been closed."]


@pytest.mark.parametrize("error", [PermissionDenied("No."), NotFound()])
def test_a_refusal_or_a_missing_record_goes_to_the_error_pages(error: Exception) -> None:
    request = _post({"name": "Ana"})
    form = _Form(form_data(request))

    def fail(data: dict[str, Any]) -> None:
        raise error

    with pytest.raises(type(error)):
        form_submit(request, form, fail)


def test_a_form_another_button_sent_is_not_submitted() -> None:
    request = _post({"form": "other"})
    calls: list[dict[str, Any]] = []
    form = _Form(form_data(request, sent=request.POST.get("form") == "this"))
    assert form_submit(request, form, calls.append) is None
    assert not form.is_bound
    assert calls == []


# --- on the pages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_empty_post_to_register_shows_the_required_fields() -> None:
    response = Client().post(reverse("people:register"), {})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["full_name"] == [REQUIRED]
    assert errors["email"] == [REQUIRED]
    assert errors["password"] == [REQUIRED]
    assert REQUIRED in response.content.decode()
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_an_empty_post_to_add_an_asset_shows_the_required_fields(world: World) -> None:
    response = world.client("admin").post(
        reverse("directory:asset_create", kwargs={"slug": world.org.slug}), {}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [REQUIRED]
    assert REQUIRED in response.content.decode()


@pytest.mark.django_db
def test_an_empty_post_to_apply_to_join_shows_the_form_again_with_no_application(
    world: World,
) -> None:
    """The note is optional: an empty POST is a valid application, not a silent page."""
    response = world.client("outsider").post(
        reverse("people:organisation_apply", kwargs={"slug": world.org.slug}), {}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "people:organisation_detail", kwargs={"slug": world.org.slug}
    )


# --- one service per POST -----------------------------------------------------------------------


@pytest.mark.django_db
def test_preferences_are_saved_all_or_none(world: World) -> None:
    """A bad choice for one event leaves the earlier ones as they were (each used to be its
    own transaction)."""
    from coproduce.notifications import services
    from coproduce.notifications.models import Frequency, Preference
    from coproduce.timebank.notices import EXCHANGE_ACCEPTED, EXCHANGE_PROPOSED

    user = world.people["member"].user
    with pytest.raises(InvalidInput, match=r"“hourly” is not a choice of how often\."):
        services.preferences_set(
            user=user,
            choices={EXCHANGE_ACCEPTED: Frequency.NEVER, EXCHANGE_PROPOSED: "hourly"},
        )
    assert not Preference.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_consent_choices_are_saved_all_or_none(world: World) -> None:
    from coproduce.people import services
    from coproduce.people.models import Consent

    person = world.people["member"]
    with pytest.raises(InvalidInput, match=r"Choose from the listed purposes\."):
        services.consent_choices_set(
            viewer=world.viewer("member"), person=person, purposes={"telepathy"}
        )
    assert not Consent.objects.filter(person=person).exists()
    given = services.consent_choices_set(
        viewer=world.viewer("member"), person=person, purposes={"contact"}
    )
    assert given == {"contact"}
    assert list(
        Consent.objects.filter(person=person, withdrawn_at__isnull=True).values_list(
            "purpose", flat=True
        )
    ) == ["contact"]


# --- numbers from the query string --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e400", "“1e400” is not a number."),
        ("abc", "“abc” is not a number."),
        (str(10**30), f"“{10**30}” is too large: at most 1,000,000,000."),
    ],
)
def test_open_referral_numbers_past_the_domain_are_400_naming_the_field(
    world: World, value: str, message: str
) -> None:
    response = Client().get("/openreferral/services", {"page": value})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "page"
    assert response.json()["error"]["message"] == message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "Page: The page number must be a whole number."),
        ("0", "Page: The page number must be from 1 to 1,000,000."),
    ],
)
def test_a_bad_directory_page_number_is_400_not_the_first_page(
    world: World, value: str, message: str
) -> None:
    response = Client().get(reverse("directory:asset_list"), {"q": "hall", "page": value})
    assert response.status_code == 400
    assert message in response.content.decode()
