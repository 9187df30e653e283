"""Contact details as people type them, checked and put in the form they are stored in."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from coproduce.errors import InvalidInput

UK_POSTCODE_HELP = "Enter a full UK postcode, like LS6 2AB."


def normalise_postcode(value: str, *, field: str = "postcode") -> str:
    """Upper-case UK postcode with one space, or InvalidInput."""
    compact = "".join(value.split()).upper()
    if not compact:
        return ""
    if not re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}", compact):
        raise InvalidInput(field, f"“{value}” is not a UK postcode. {UK_POSTCODE_HELP}")
    return f"{compact[:-3]} {compact[-3:]}"


def _clean_email(value: str, *, field: str = "email") -> str:
    email = value.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise InvalidInput(field, "Enter an email address like name@example.org.") from error
    return email
