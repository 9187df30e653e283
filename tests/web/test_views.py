from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from coproduce.people import services
from coproduce.people.models import ApiToken, MembershipStatus, Person, Skill
from tests.conftest import PASSWORD, World, make_person

pytestmark = pytest.mark.django_db


def test_dashboard_shows_each_role_its_organisation(world: World) -> None:
    response = world.client("coordinator").get(reverse("web:dashboard"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Holy Cross Time Bank" in content
    assert "Applications waiting for a decision" in content
    member = world.client("member").get(reverse("web:dashboard")).content.decode()
    assert "Applications waiting" not in member


def test_commissioner_dashboard_suppresses_small_groups(world: World) -> None:
    content = world.client("commissioner").get(reverse("web:dashboard")).content.decode()
    # world.org has one staff member: fewer than the threshold of 5, so it is suppressed
    assert "fewer than 5" in content
    assert "Member Person" not in content


def test_home_page_for_visitors_and_redirect_for_members(world: World) -> None:
    assert Client().get("/").status_code == 200
    assert world.client("member").get("/").status_code == 302


def test_register_signs_in_and_shows_field_errors() -> None:
    client = Client()
    response = client.post(
        reverse("people:register"),
        {"full_name": "", "email": "bad", "password": "short"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert 'href="#id_full_name"' in content
    assert not Person.objects.exists()
    response = client.post(
        reverse("people:register"),
        {"full_name": "Rosa Lee", "email": "rosa@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(reverse("web:dashboard")).status_code == 200


def test_login_is_throttled_after_five_failures(world: World, settings: object) -> None:
    client = Client()
    for _ in range(5):
        client.post(
            reverse("login"), {"username": "member@a.example.org", "password": "wrong-password"}
        )
    response = client.post(
        reverse("login"), {"username": "member@a.example.org", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()


def test_login_with_the_right_password_reaches_the_dashboard(world: World) -> None:
    client = Client()
    response = client.post(
        reverse("login"), {"username": "member@a.example.org", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("web:dashboard")


def test_apply_and_decide_through_the_pages(world: World) -> None:
    applicant = make_person("Ann Applicant", "ann@example.org")
    client = Client()
    assert applicant.user is not None
    client.force_login(applicant.user)
    url = reverse("people:organisation_apply", kwargs={"slug": world.org.slug})
    assert client.post(url, {"note": "I like gardening"}).status_code == 302
    membership = world.org.memberships.get(person=applicant)
    decide = reverse("people:application_decide", kwargs={"membership_id": membership.pk})
    coordinator = world.client("coordinator")
    response = coordinator.post(decide, {"decision": "decline", "reason": ""})
    assert "Give the reason for declining; the applicant will see it." in response.content.decode()
    response = coordinator.post(decide, {"decision": "approve"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def test_member_list_is_paginated_with_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: object
) -> None:
    for index in range(30):
        services.person_create_for(
            viewer=world.viewer("coordinator"), organisation=world.org, full_name=f"P {index:02d}"
        )
    client = world.client("coordinator")
    url = reverse("people:member_list", kwargs={"slug": world.org.slug})
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        response = client.get(url)
    assert response.status_code == 200
    assert "Page 1 of 2" in response.content.decode()
    assert "Page 2 of 2" in client.get(url + "?page=2").content.decode()
    assert client.get(url + "?page=abc").status_code == 400


def test_skill_removal_asks_for_confirmation_first(world: World) -> None:
    member = world.people["member"]
    skill = services.skill_add(
        viewer=world.viewer("member"), person=member, kind="offer", label="Baking"
    )
    client = world.client("member")
    url = reverse("people:skill_remove", kwargs={"skill_id": skill.pk})
    response = client.get(url)
    assert "Remove “Baking”?" in response.content.decode()
    assert Skill.objects.filter(pk=skill.pk).exists()
    client.post(url, {"confirmed": "yes"})
    assert not Skill.objects.filter(pk=skill.pk).exists()
    # someone else's skill is not found
    other = services.skill_add(
        viewer=world.viewer("staff"), person=world.people["staff"], kind="offer", label="Art"
    )
    response = client.post(reverse("people:skill_remove", kwargs={"skill_id": other.pk}))
    assert response.status_code == 404


def test_token_created_on_the_profile_page_is_shown_once(world: World) -> None:
    client = world.client("member")
    response = client.post(reverse("people:token_create"), {"name": "spreadsheet"})
    content = response.content.decode()
    assert "Copy this token now" in content
    token = ApiToken.objects.get(name="spreadsheet")
    other = world.client("staff")
    url = reverse("people:token_revoke", kwargs={"token_id": token.pk})
    assert other.post(url, {"confirmed": "yes"}).status_code == 404
    client.post(url, {"confirmed": "yes"})
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_invitation_link_creates_an_account(world: World) -> None:
    _, token = services.invitation_create(
        viewer=world.viewer("admin"),
        organisation=world.org,
        email="nia@example.org",
        role="staff",
        accept_url="/invitations/{token}/",
    )
    client = Client()
    url = reverse("people:invitation_accept", kwargs={"token": token})
    assert "Join Holy Cross Time Bank" in client.get(url).content.decode()
    response = client.post(url, {"full_name": "Nia Staff", "password": PASSWORD})
    assert response.status_code == 302
    assert Client().get(url).status_code == 404


def test_pages_carry_security_headers(world: World) -> None:
    response = world.client("member").get(reverse("web:dashboard"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE


def test_passwords_are_hashed_with_argon2_by_default() -> None:
    from coproduce import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_csrf_is_enforced_on_forms(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("people:register"),
        {"full_name": "Rosa Lee", "email": "rosa@example.org", "password": PASSWORD},
    )
    assert response.status_code == 403


def test_consent_is_given_and_withdrawn_from_the_profile(world: World) -> None:
    from coproduce.people.models import Consent

    client = world.client("member")
    client.post(reverse("people:consent_update"), {"purposes": ["contact", "photos"]})
    member = world.people["member"]
    current = set(
        Consent.objects.filter(person=member, withdrawn_at__isnull=True).values_list(
            "purpose", flat=True
        )
    )
    assert current == {"contact", "photos"}
    client.post(reverse("people:consent_update"), {"purposes": ["contact"]})
    photos = Consent.objects.get(person=member, purpose="photos")
    assert photos.withdrawn_at is not None
    profile = client.get(reverse("people:profile")).content.decode()
    assert re.search(r'value="contact"[^>]*checked', profile)
    assert not re.search(r'value="photos"[^>]*checked', profile)


def test_erasure_asks_for_confirmation_and_keeps_the_membership(world: World) -> None:
    member = world.people["member"]
    client = world.client("admin")
    url = reverse("people:person_erase", kwargs={"person_id": member.pk})
    assert "This cannot be undone." in client.get(url).content.decode()
    member.refresh_from_db()
    assert member.erased_at is None
    assert client.post(url, {"confirmed": "yes"}).status_code == 302
    member.refresh_from_db()
    assert member.erased_at is not None and member.full_name.startswith("Former member")
    assert world.org.memberships.filter(person=member).exists()


def test_admin_sets_contracted_hours(world: World) -> None:
    membership = world.org.memberships.get(person=world.people["staff"])
    url = reverse("people:membership_detail", kwargs={"membership_id": membership.pk})
    client = world.client("admin")
    client.post(url, {"contracted_hours": "37.5"})
    membership.refresh_from_db()
    assert membership.contracted_minutes_per_week == 2250
    response = client.post(url, {"contracted_hours": "200"})
    assert "Ensure this value is less than or equal to 168." in response.content.decode()


def test_member_search_answers_htmx_with_the_same_page(world: World) -> None:
    client = world.client("member")
    url = reverse("people:member_list", kwargs={"slug": world.org.slug})
    response = client.get(url + "?q=Staff", HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert 'id="member-results"' in content
    assert "Staff Person" in content and "Manager Person" not in content


def test_a_null_byte_is_refused_as_bad_input(world: World) -> None:
    client = world.client("member")
    response = client.get(reverse("people:organisation_browse") + "?q=a%00b")
    assert response.status_code == 400
    assert "cannot be stored (a null byte)" in response.content.decode()
    response = client.post(
        f"/api/v1/organisations/{world.other_org.pk}/applications",
        data='{"note": "a\\u0000b"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_dashboard_shows_apps_panels_such_as_the_time_bank_balance(world: World) -> None:
    # No page opened the account: approval did (the membership door's activation hook).
    content = world.client("member").get(reverse("web:dashboard")).content.decode()
    assert "Your time bank" in content
    assert "0:00" in content
    # The outsider founded Northgate: their panel shows their own bank, never Holy Cross.
    outsider = world.client("outsider").get(reverse("web:dashboard")).content.decode()
    assert "Northgate Time Bank" in outsider
    assert "Holy Cross Time Bank" not in outsider


def test_a_member_records_their_date_of_birth_on_the_profile(world: World) -> None:
    """Age-limited votes and rewards need it; before this, only a coordinator could add it."""
    client = world.client("member")
    member = world.people["member"]
    form = {
        "full_name": member.full_name,
        "contact_by": "email",
        "email_visibility": "coordinators",
        "phone_visibility": "coordinators",
        "address_visibility": "only_me",
        "date_of_birth": "1990-04-01",
    }
    assert client.post(reverse("people:profile"), form).status_code == 302
    member.refresh_from_db()
    assert str(member.date_of_birth) == "1990-04-01"
    assert 'value="1990-04-01"' in client.get(reverse("people:profile")).content.decode()

    future = client.post(reverse("people:profile"), {**form, "date_of_birth": "2999-01-01"})
    assert "Date of birth must be in the past." in future.content.decode()
    member.refresh_from_db()
    assert str(member.date_of_birth) == "1990-04-01"

    # A profile update that does not mention the date (the API, the demo) keeps it.
    services.person_update(viewer=world.viewer("member"), person=member, full_name="New Name")
    member.refresh_from_db()
    assert (member.full_name, str(member.date_of_birth)) == ("New Name", "1990-04-01")
