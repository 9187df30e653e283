"""Every write to people, organisations and memberships: the public index of the people
app's services. Each public function is one transaction that checks permission, validates,
writes and records what happened. Callers use ``from coproduce.people import services`` and
``services.<name>``; the modules below hold one concept each."""

from coproduce.people.services.consent import consent_choices_set, consent_set
from coproduce.people.services.contact import UK_POSTCODE_HELP, normalise_postcode
from coproduce.people.services.invitations import (
    invitation_accept,
    invitation_create,
    invitation_for_token,
)
from coproduce.people.services.memberships import (
    membership_add,
    membership_apply,
    membership_contracted_hours_set,
    membership_decide,
    membership_role_set,
    membership_status_set,
)
from coproduce.people.services.organisations import area_create, organisation_create
from coproduce.people.services.persons import (
    EARLIEST_BIRTH_DATE,
    KEEP,
    Keep,
    person_create_for,
    person_erase,
    person_register,
    person_update,
    skill_add,
    skill_remove,
)
from coproduce.people.services.tokens import api_token_create, api_token_revoke, api_token_user
from coproduce.people.services.vetting import vetting_record

__all__ = [
    "EARLIEST_BIRTH_DATE",
    "KEEP",
    "UK_POSTCODE_HELP",
    "Keep",
    "api_token_create",
    "api_token_revoke",
    "api_token_user",
    "area_create",
    "consent_choices_set",
    "consent_set",
    "invitation_accept",
    "invitation_create",
    "invitation_for_token",
    "membership_add",
    "membership_apply",
    "membership_contracted_hours_set",
    "membership_decide",
    "membership_role_set",
    "membership_status_set",
    "normalise_postcode",
    "organisation_create",
    "person_create_for",
    "person_erase",
    "person_register",
    "person_update",
    "skill_add",
    "skill_remove",
    "vetting_record",
]
