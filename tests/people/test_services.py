from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people import selectors, services
from coproduce.people.models import (
    HistoryEntry,
    Membership,
    MembershipStatus,
    OrganisationKind,
    Person,
    SensitiveAccess,
    User,
    Vetting,
)
from coproduce.people.permissions import viewer_for
from tests.conftest import PASSWORD, World, make_person

pytestmark = pytest.mark.django_db


def test_person_register_creates_login_and_person_with_hashed_password() -> None:
    person = services.person_register(
        full_name="Rosa Lee", email="Rosa@Example.org", password=PASSWORD, postcode="ls62ab"
    )
    user = User.objects.get(email="rosa@example.org")
    assert person.user == user
    assert person.postcode == "LS6 2AB"
    assert user.password != PASSWORD and user.check_password(PASSWORD)


def test_person_register_refuses_a_second_account_for_an_email() -> None:
    make_person("Rosa Lee", "rosa@example.org")
    with pytest.raises(Conflict, match="There is already an account with that email address"):
        make_person("Rosa Again", "ROSA@example.org")
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "kwargs", "message"),
    [
        ("full_name", {"full_name": "  "}, "Enter a name."),
        ("email", {"email": "not-an-email"}, "Enter an email address like name@example.org."),
        ("postcode", {"postcode": "12345"}, "“12345” is not a UK postcode."),
        ("password", {"password": "short"}, "This password is too short."),
    ],
)
def test_person_register_names_the_bad_field(
    field: str, kwargs: dict[str, Any], message: str
) -> None:
    arguments = {"full_name": "Rosa Lee", "email": "rosa@example.org", "password": PASSWORD}
    with pytest.raises(InvalidInput) as caught:
        services.person_register(**(arguments | kwargs))
    assert caught.value.field == field
    assert message in caught.value.message
    assert not Person.objects.exists() and not User.objects.exists()


def test_application_is_approved_by_a_coordinator_who_is_recorded(world: World) -> None:
    applicant = make_person("Ann Applicant", "ann@example.org")
    membership = services.membership_apply(
        viewer=viewer_for(applicant.user), organisation=world.org, note="Hello"
    )
    assert membership.status == MembershipStatus.APPLIED
    decided = services.membership_decide(
        viewer=world.viewer("coordinator"), membership_id=membership.pk, approve=True
    )
    decided.refresh_from_db()
    assert decided.status == MembershipStatus.ACTIVE
    assert decided.decided_by == world.people["coordinator"]
    assert decided.decided_at is not None
    assert HistoryEntry.objects.filter(
        action="membership.approved", subject_id=str(membership.pk)
    ).exists()


def test_declining_needs_a_reason_and_keeps_it(world: World) -> None:
    applicant = make_person("Ann Applicant", "ann@example.org")
    membership = services.membership_apply(
        viewer=viewer_for(applicant.user), organisation=world.org
    )
    with pytest.raises(InvalidInput, match="Give the reason for declining"):
        services.membership_decide(
            viewer=world.viewer("coordinator"), membership_id=membership.pk, approve=False
        )
    services.membership_decide(
        viewer=world.viewer("coordinator"),
        membership_id=membership.pk,
        approve=False,
        reason="We are full until spring.",
    )
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.DECLINED
    assert membership.decline_reason == "We are full until spring."


def test_an_application_cannot_be_decided_twice(world: World) -> None:
    applicant = make_person("Ann Applicant", "ann@example.org")
    membership = services.membership_apply(
        viewer=viewer_for(applicant.user), organisation=world.org
    )
    services.membership_decide(
        viewer=world.viewer("coordinator"), membership_id=membership.pk, approve=True
    )
    with pytest.raises(Conflict, match="already been decided"):
        services.membership_decide(
            viewer=world.viewer("manager"), membership_id=membership.pk, approve=False, reason="x"
        )


def test_staff_may_not_decide_and_outsiders_get_not_found(world: World) -> None:
    applicant = make_person("Ann Applicant", "ann@example.org")
    membership = services.membership_apply(
        viewer=viewer_for(applicant.user), organisation=world.org
    )
    with pytest.raises(
        PermissionDenied,
        match="You need to be a coordinator or above of this organisation to decide applications",
    ):
        services.membership_decide(
            viewer=world.viewer("staff"), membership_id=membership.pk, approve=True
        )
    with pytest.raises(NotFound):
        services.membership_decide(
            viewer=world.viewer("outsider"), membership_id=membership.pk, approve=True
        )
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.APPLIED


def test_applying_twice_is_refused(world: World) -> None:
    with pytest.raises(Conflict, match="You are already a member of Holy Cross Time Bank"):
        services.membership_apply(viewer=world.viewer("member"), organisation=world.org)


def test_only_admins_change_roles_and_the_last_admin_stays(world: World) -> None:
    member_membership = world.org.memberships.get(person=world.people["member"])
    with pytest.raises(PermissionDenied):
        services.membership_role_set(
            viewer=world.viewer("manager"), membership_id=member_membership.pk, role="staff"
        )
    services.membership_role_set(
        viewer=world.viewer("admin"), membership_id=member_membership.pk, role="staff"
    )
    member_membership.refresh_from_db()
    assert member_membership.role == "staff"
    admin_membership = world.org.memberships.get(person=world.people["admin"])
    with pytest.raises(Conflict, match="at least one administrator"):
        services.membership_role_set(
            viewer=world.viewer("admin"), membership_id=admin_membership.pk, role="member"
        )


def test_a_paused_member_loses_access(world: World) -> None:
    membership = world.org.memberships.get(person=world.people["member"])
    services.membership_status_set(
        viewer=world.viewer("member"), membership_id=membership.pk, status="paused"
    )
    assert world.viewer("member").role_in(world.org.pk) is None
    with pytest.raises(NotFound):
        selectors.membership_list(viewer=world.viewer("member"), organisation=world.org)


def test_coordinator_adds_someone_without_a_login(world: World) -> None:
    person = services.person_create_for(
        viewer=world.viewer("coordinator"),
        organisation=world.org,
        full_name="Bert Nophone",
        postcode="LS1 4AP",
    )
    assert person.user is None
    membership = Membership.objects.get(person=person, organisation=world.org)
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.number.startswith("HOL")
    with pytest.raises(PermissionDenied):
        services.person_create_for(
            viewer=world.viewer("member"), organisation=world.org, full_name="Not Allowed"
        )


def test_privacy_settings_limit_what_fellow_members_see(world: World) -> None:
    subject = world.people["staff"]
    services.person_update(
        viewer=world.viewer("staff"),
        person=subject,
        full_name=subject.full_name,
        email="staff.contact@example.org",
        phone="0113 496 0000",
        email_visibility="members",
        phone_visibility="coordinators",
    )
    as_member = selectors.person_get(viewer=world.viewer("member"), person_id=subject.pk)
    assert as_member.email == "staff.contact@example.org"
    assert as_member.phone == ""
    as_coordinator = selectors.person_get(viewer=world.viewer("coordinator"), person_id=subject.pk)
    assert as_coordinator.phone == "0113 496 0000"
    with pytest.raises(NotFound):
        selectors.person_get(viewer=world.viewer("outsider"), person_id=subject.pk)
    with pytest.raises(PermissionDenied, match="Commissioners see figures"):
        selectors.person_get(viewer=world.viewer("commissioner"), person_id=subject.pk)


def test_vetting_is_for_coordinators_and_each_look_is_logged(world: World) -> None:
    member = world.people["member"]
    services.vetting_record(
        viewer=world.viewer("coordinator"),
        person=member,
        organisation=world.org,
        references_taken=2,
        dbs_checked_on=None,
        dbs_level="",
    )
    with pytest.raises(InvalidInput, match="Give both the DBS check date and its level"):
        services.vetting_record(
            viewer=world.viewer("coordinator"),
            person=member,
            organisation=world.org,
            references_taken=2,
            dbs_level="enhanced",
        )
    with pytest.raises(PermissionDenied):
        selectors.vetting_list(viewer=world.viewer("staff"), person=member)
    records = selectors.vetting_list(viewer=world.viewer("coordinator"), person=member)
    assert [r.references_taken for r in records] == [2]
    assert SensitiveAccess.objects.filter(subject=member, what="vetting").count() == 1
    assert Vetting.objects.count() == 1


def test_invitation_by_email_link_makes_a_staff_member(world: World) -> None:
    invitation, token = services.invitation_create(
        viewer=world.viewer("admin"),
        organisation=world.org,
        email="new.staff@example.org",
        role="staff",
        accept_url="https://coproduce.test/invitations/{token}/",
    )
    assert len(mail.outbox) == 1
    assert f"https://coproduce.test/invitations/{token}/" in mail.outbox[0].body
    assert invitation.token_hash != token
    person = services.invitation_accept(token=token, full_name="Nia Staff", password=PASSWORD)
    membership = Membership.objects.get(person=person, organisation=world.org)
    assert (membership.role, membership.status) == ("staff", "active")
    with pytest.raises(NotFound, match="not valid or has already been used"):
        services.invitation_accept(token=token, full_name="Again", password=PASSWORD)


def test_only_admins_invite(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.invitation_create(
            viewer=world.viewer("coordinator"),
            organisation=world.org,
            email="x@example.org",
            role="staff",
            accept_url="{token}",
        )


def test_erasure_pseudonymises_and_keeps_the_membership(world: World) -> None:
    member = world.people["member"]
    services.skill_add(viewer=world.viewer("member"), person=member, kind="offer", label="Baking")
    services.person_erase(viewer=world.viewer("admin"), person=member)
    member.refresh_from_db()
    assert member.full_name == f"Former member {member.pk}"
    assert member.email == "" and member.user is None and member.erased_at is not None
    assert not member.skills.exists()
    assert Membership.objects.filter(person=member, organisation=world.org).exists()
    assert not User.objects.filter(email="member@a.example.org").exists()


def test_api_token_is_stored_only_as_a_hash(world: World) -> None:
    user = world.people["member"].user
    assert user is not None
    token, secret = services.api_token_create(user=user, name="my script")
    assert secret.startswith("cp_") and token.key_hash != secret
    assert services.api_token_user(secret) == user
    services.api_token_revoke(user=user, token_id=token.pk)
    assert services.api_token_user(secret) is None


def test_organisation_create_checks_kind() -> None:
    with pytest.raises(InvalidInput, match="“bakery” is not a kind of organisation"):
        services.organisation_create(name="Bread", kind="bakery")
    organisation = services.organisation_create(name="Bread", kind=OrganisationKind.PARTNER)
    assert organisation.slug == "bread"
    second = services.organisation_create(name="Bread", kind=OrganisationKind.PARTNER)
    assert second.slug == "bread-2"


# --- an organisation keeps an administrator -----------------------------------------------

LAST_ADMIN = (
    "Holy Cross Time Bank must keep at least one administrator: "
    "make someone else an administrator first."
)


def _membership(world: World, role: str) -> Membership:
    return world.org.memberships.get(person=world.people[role])


@pytest.mark.parametrize("status", [MembershipStatus.LEFT, MembershipStatus.PAUSED])
def test_the_last_admin_cannot_leave_or_pause(world: World, status: str) -> None:
    admin = _membership(world, "admin")
    with pytest.raises(Conflict) as error:
        services.membership_status_set(
            viewer=world.viewer("admin"), membership_id=admin.pk, status=status
        )
    assert error.value.message == LAST_ADMIN
    with pytest.raises(Conflict, match="must keep at least one administrator"):
        services.membership_status_set(
            viewer=world.viewer("coordinator"), membership_id=admin.pk, status=status
        )
    admin.refresh_from_db()
    assert (admin.status, admin.role) == (MembershipStatus.ACTIVE, "admin")


def test_the_last_admin_cannot_be_demoted_and_the_message_says_what_to_do(world: World) -> None:
    admin = _membership(world, "admin")
    with pytest.raises(Conflict) as error:
        services.membership_role_set(
            viewer=world.viewer("admin"), membership_id=admin.pk, role="manager"
        )
    assert error.value.message == LAST_ADMIN
    admin.refresh_from_db()
    assert admin.role == "admin"
    assert not HistoryEntry.objects.filter(action="membership.role_set", subject_id=admin.pk)


def test_an_admin_may_leave_once_another_admin_is_appointed(world: World) -> None:
    admin, manager = _membership(world, "admin"), _membership(world, "manager")
    services.membership_role_set(
        viewer=world.viewer("admin"), membership_id=manager.pk, role="admin"
    )
    services.membership_status_set(
        viewer=world.viewer("admin"), membership_id=admin.pk, status=MembershipStatus.LEFT
    )
    admin.refresh_from_db()
    assert admin.status == MembershipStatus.LEFT
    with pytest.raises(Conflict) as error:
        services.membership_status_set(
            viewer=world.viewer("manager"), membership_id=manager.pk, status=MembershipStatus.LEFT
        )
    assert error.value.message == LAST_ADMIN


def test_a_paused_admin_does_not_count_as_the_one_that_remains(world: World) -> None:
    admin, manager = _membership(world, "admin"), _membership(world, "manager")
    services.membership_role_set(
        viewer=world.viewer("admin"), membership_id=manager.pk, role="admin"
    )
    services.membership_status_set(
        viewer=world.viewer("manager"), membership_id=manager.pk, status=MembershipStatus.PAUSED
    )
    with pytest.raises(Conflict, match="must keep at least one administrator"):
        services.membership_role_set(
            viewer=world.viewer("admin"), membership_id=admin.pk, role="member"
        )


def test_erasing_the_last_admin_is_refused_and_nothing_is_erased(world: World) -> None:
    founder = world.people["admin"]
    with pytest.raises(Conflict) as error:
        services.person_erase(viewer=world.viewer("admin"), person=founder)
    assert error.value.message == LAST_ADMIN
    founder.refresh_from_db()
    assert founder.erased_at is None and founder.full_name == "Ada Admin"
    assert User.objects.filter(pk=founder.user_id).exists()


def test_an_admin_is_erased_when_another_admin_remains(world: World) -> None:
    services.membership_role_set(
        viewer=world.viewer("admin"), membership_id=_membership(world, "manager").pk, role="admin"
    )
    founder = world.people["admin"]
    services.person_erase(viewer=world.viewer("manager"), person=founder)
    founder.refresh_from_db()
    assert founder.erased_at is not None
    # The erased admin's membership is still active, but no longer counts as an admin.
    with pytest.raises(Conflict, match="must keep at least one administrator"):
        services.membership_role_set(
            viewer=world.viewer("manager"),
            membership_id=_membership(world, "manager").pk,
            role="member",
        )


def test_resuming_a_paused_membership_keeps_its_role(world: World) -> None:
    staff = _membership(world, "staff")
    for status in (MembershipStatus.PAUSED, MembershipStatus.ACTIVE):
        services.membership_status_set(
            viewer=world.viewer("coordinator"), membership_id=staff.pk, status=status
        )
    staff.refresh_from_db()
    assert (staff.status, staff.role) == (MembershipStatus.ACTIVE, "staff")


def test_rejoining_with_another_role_is_recorded_in_the_history(world: World) -> None:
    staff = _membership(world, "staff")
    services.membership_status_set(
        viewer=world.viewer("staff"), membership_id=staff.pk, status=MembershipStatus.LEFT
    )
    services.membership_add(
        viewer=world.viewer("coordinator"),
        person=world.people["staff"],
        organisation=world.org,
        role="member",
    )
    staff.refresh_from_db()
    assert (staff.status, staff.role) == (MembershipStatus.ACTIVE, "member")
    entry = HistoryEntry.objects.filter(
        action="membership.role_set", subject_id=str(staff.pk)
    ).latest("at")
    assert entry.detail == {"from": "staff", "to": "member", "why": "rejoined"}
    assert entry.actor == world.people["coordinator"]


def test_a_former_admin_who_applies_again_is_approved_as_a_member(world: World) -> None:
    admin, manager = _membership(world, "admin"), _membership(world, "manager")
    services.membership_role_set(
        viewer=world.viewer("admin"), membership_id=manager.pk, role="admin"
    )
    services.membership_status_set(
        viewer=world.viewer("admin"), membership_id=admin.pk, status=MembershipStatus.LEFT
    )
    services.membership_apply(viewer=world.viewer("admin"), organisation=world.org)
    services.membership_decide(
        viewer=world.viewer("coordinator"), membership_id=admin.pk, approve=True
    )
    admin.refresh_from_db()
    assert (admin.status, admin.role) == (MembershipStatus.ACTIVE, "member")
    entry = HistoryEntry.objects.filter(
        action="membership.role_set", subject_id=str(admin.pk)
    ).latest("at")
    assert entry.detail == {"from": "admin", "to": "member", "why": "applied again"}
