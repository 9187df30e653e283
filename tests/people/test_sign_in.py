"""Sign-in treats the email case-insensitively, and django-axes still counts every failure
against the one address."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.django_db

LOGIN = "/account/login/"


def _sign_in(client: Client, email: str, password: str = PASSWORD) -> int:
    return client.post(LOGIN, {"username": email, "password": password}).status_code


def test_an_email_in_any_case_signs_in(world: World) -> None:
    client = Client()
    assert _sign_in(client, "  Member@A.Example.ORG ") == 302
    assert client.session["_auth_user_id"] == str(world.people["member"].user_id)


def test_a_wrong_password_still_fails_whatever_the_case(world: World) -> None:
    client = Client()
    response = client.post(LOGIN, {"username": "Member@A.Example.org", "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Please enter a correct email address and password" in response.content.decode()


def test_failures_in_different_cases_count_against_one_address(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for typed in ("Member@a.example.org", "MEMBER@A.EXAMPLE.ORG", "member@a.example.org"):
        _sign_in(client, typed, password="wrong")
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "member@a.example.org"
    assert attempt.failures_since_start == 3
    # locked out now, even with the right password typed in yet another case
    assert _sign_in(client, "Member@A.example.org") == 429
    assert "_auth_user_id" not in client.session
