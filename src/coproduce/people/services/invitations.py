"""Invitations by email to join an organisation."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people import permissions
from coproduce.people.history import history_record
from coproduce.people.models import (
    Invitation,
    Membership,
    MembershipStatus,
    Organisation,
    Person,
    Role,
    User,
)
from coproduce.people.permissions import Viewer
from coproduce.people.services.contact import _clean_email
from coproduce.people.services.memberships import _membership_add
from coproduce.people.services.persons import person_register
from coproduce.people.services.tokens import _token_hash


@transaction.atomic
def invitation_create(
    *, viewer: Viewer, organisation: Organisation, email: str, role: str, accept_url: str
) -> tuple[Invitation, str]:
    """Invite someone by email. ``accept_url`` has a ``{token}`` placeholder. Returns the
    invitation and the raw token (shown nowhere else; only its hash is stored)."""
    permissions.check(viewer, "people.invite", organisation.pk, action="invite people")
    assert viewer.person is not None
    email_clean = _clean_email(email)
    if role not in Role.values:
        raise InvalidInput("role", f"“{role}” is not a role.")
    if Membership.objects.filter(
        organisation=organisation,
        person__user__email__iexact=email_clean,
        status=MembershipStatus.ACTIVE,
    ).exists():
        raise Conflict(f"{email_clean} is already a member of {organisation.name}.")
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email_clean,
        role=role,
        token_hash=_token_hash(token),
        invited_by=viewer.person,
        expires_at=timezone.now() + timedelta(days=settings.COPRODUCE_INVITATION_DAYS),
    )
    link = accept_url.format(token=token)
    send_mail(
        subject=f"You are invited to join {organisation.name} on Coproduce",
        message=(
            f"{viewer.person.display_name} has invited you to join {organisation.name} as "
            f"{Role(role).label.lower()}.\n\nAccept the invitation here: {link}\n\n"
            f"The link works for {settings.COPRODUCE_INVITATION_DAYS} days."
        ),
        from_email=None,
        recipient_list=[email_clean],
    )
    history_record(
        actor=viewer.person,
        organisation=organisation,
        action="invitation.created",
        subject=invitation,
        detail={"email": email_clean, "role": role},
    )
    return invitation, token


def invitation_for_token(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if invitation is None or invitation.accepted_at is not None:
        raise NotFound("This invitation link is not valid or has already been used.")
    if invitation.expires_at < timezone.now():
        raise Conflict("This invitation has expired. Ask for a new one.")
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, full_name: str = "", password: str = "", user: User | None = None
) -> Person:
    """Accept an invitation, creating the login unless an existing user accepts it."""
    invitation = invitation_for_token(token)
    Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if user is not None:
        if user.email.lower() != invitation.email.lower():
            raise PermissionDenied(
                f"This invitation is for {invitation.email}. Sign out and sign up with it."
            )
        person = Person.objects.filter(user=user).first()
        if person is None:
            person = Person.objects.create(
                user=user, full_name=full_name.strip() or user.email, email=user.email
            )
    else:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise Conflict("You already have an account: sign in, then open the link again.")
        person = person_register(full_name=full_name, email=invitation.email, password=password)
    _membership_add(
        person=person,
        organisation=invitation.organisation,
        role=invitation.role,
        decided_by=invitation.invited_by,
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    history_record(
        actor=person,
        organisation=invitation.organisation,
        action="invitation.accepted",
        subject=invitation,
    )
    return person
