"""Who is acting: the signed-in person behind a viewer."""

from __future__ import annotations

from coproduce.errors import PermissionDenied
from coproduce.people.models import Person
from coproduce.people.permissions import Viewer


def acting_person(viewer: Viewer) -> Person:
    if viewer.person is None:
        raise PermissionDenied("Sign in to do that.")
    return viewer.person
