"""Membership numbers as people type them, turned into the form they are stored in."""

from __future__ import annotations

import re

# whitespace, hyphen-minus and the Unicode hyphens and dashes (U+2010 to U+2015)
_SEPARATORS = re.compile("[\\s\\-\u2010-\u2015]+")


def membership_number_normalise(raw: str) -> str:
    """``" hol 000-42 "`` → ``"HOL00042"``: case, spaces and dashes, as on a card or a ballot
    paper, do not matter. Every form and service that looks a member up by number uses this."""
    return _SEPARATORS.sub("", raw).upper()
