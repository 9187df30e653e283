"""The social prescribing dataset a referral holds, after the PRSB Social Prescribing
Information Standard (v1.1, January 2023) and its minimum dataset's four groups: the
person's demographics, their needs and concerns, the support offered (including the
activities they were referred to) and the outcomes. ``docs/social-prescribing.md`` says
which items come from the standard and which are this project's own.

This module is pure: it checks and shapes the JSON that ``Referral.referrer``,
``.demographics``, ``.needs``, ``.support`` and ``.outcomes`` hold, and builds the message
back to the referrer (JSON and CSV). It reads and writes no tables.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from coproduce.errors import InvalidInput

STANDARD = "PRSB Social Prescribing Information Standard v1.1"
SNOMED_SYSTEM = "http://snomed.info/sct"
# The one code this project sends, its term checked against a published code set drawn
# from SNOMED CT's UK edition (docs/social-prescribing.md). No other code is claimed.
REFERRAL_CODE = "871731000000106"
REFERRAL_DISPLAY = "Referral to social prescribing service"
MESSAGE_KIND = "social-prescribing-message-back"

TEXT_LIMIT = 5000
SHORT_LIMIT = 200


@dataclass(frozen=True)
class Item:
    """One item of a group. ``source`` is ``"prsb"`` where the standard names the item (and,
    where ``required``, makes it mandatory) and ``"ours"`` where this project added it."""

    key: str
    label: str
    required: bool = False
    kind: str = "text"  # text, long_text, date, nhs_number, email, consent
    source: str = "prsb"
    limit: int = SHORT_LIMIT


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    items: tuple[Item, ...]

    def item(self, key: str) -> Item:
        return next(item for item in self.items if item.key == key)


REFERRER = Group(
    "referrer",
    "Referral and referrer details",
    (
        Item("name", "the referrer's name", required=True),
        Item("role", "the referrer's role"),
        Item("organisation", "the referring organisation (such as the GP practice)", True),
        Item("organisation_code", "the referring organisation's ODS code", source="ours"),
        Item("contact", "the referrer's phone or email"),
        Item("referred_on", "the date of the referral", required=True, kind="date"),
        Item(
            "consent_to_share",
            "the person's consent to share their information with the service",
            required=True,
            kind="consent",
            source="ours",
        ),
    ),
)

DEMOGRAPHICS = Group(
    "demographics",
    "Person demographics",
    (
        Item("full_name", "the person's name", required=True),
        Item("preferred_name", "the name the person likes to be called", limit=100),
        Item("date_of_birth", "the person's date of birth", required=True, kind="date"),
        Item("address", "the person's address", required=True, kind="long_text", limit=500),
        Item("postcode", "the person's postcode", limit=10),
        Item("nhs_number", "the person's NHS number", kind="nhs_number"),
        Item("gender", "the person's stated gender", limit=100),
        Item("ethnicity", "the person's ethnicity", limit=100),
        Item("phone", "the person's phone number", limit=40),
        Item("email", "the person's email address", kind="email", limit=254),
        Item("gp_practice", "the person's GP practice", source="ours"),
    ),
)

NEEDS = Group(
    "needs",
    "Needs and concerns",
    (
        Item(
            "concerns",
            "the person's needs and concerns (why they are referred)",
            required=True,
            kind="long_text",
            limit=TEXT_LIMIT,
        ),
        Item("what_matters", "what matters to the person", kind="long_text", limit=TEXT_LIMIT),
        Item(
            "safety",
            "anything a link worker should know to keep everyone safe",
            kind="long_text",
            source="ours",
            limit=TEXT_LIMIT,
        ),
    ),
)

RECEIVED_GROUPS = (REFERRER, DEMOGRAPHICS, NEEDS)


class SupportKind:
    ACTIVITY = "activity"
    GROUP = "group"
    ASSET = "asset"
    SERVICE = "service"
    OTHER = "other"

    CHOICES = (
        (ACTIVITY, "An activity"),
        (GROUP, "A peer support group"),
        (ASSET, "A place or service in the directory"),
        (SERVICE, "Another service"),
        (OTHER, "Something else"),
    )
    VALUES = tuple(value for value, _label in CHOICES)


# --- Wellbeing measures: the seam for the impact issue -------------------------------------


@dataclass(frozen=True)
class WellbeingMeasure:
    """A wellbeing measure an outcome may be scored on (whole numbers from ``low`` to
    ``high``), such as one of the ONS4 personal wellbeing questions."""

    key: str
    label: str
    low: int
    high: int


WELLBEING_MEASURES: dict[str, WellbeingMeasure] = {}
"""The hook the impact app fills (``wellbeing_measure_register``) when its wellbeing
surveys land. Empty until then: an outcome is free text, and one naming a measure is
refused with a message saying no measures are set up."""


def wellbeing_measure_register(measure: WellbeingMeasure) -> None:
    """Make ``measure`` available to outcomes (the impact app calls this when it loads)."""
    if measure.low > measure.high:
        raise ValueError(f"{measure.key}: low is above high")
    WELLBEING_MEASURES[measure.key] = measure


def wellbeing_measure_unregister(key: str) -> None:
    WELLBEING_MEASURES.pop(key, None)


# --- Checking what comes in -----------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def nhs_number_valid(value: str) -> bool:
    """Ten digits whose last is the modulus 11 check digit of the first nine."""
    if not re.fullmatch(r"\d{10}", value):
        return False
    weights = range(10, 1, -1)
    total = sum(int(digit) * weight for digit, weight in zip(value[:9], weights, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(value[9])


def _date(value: Any, field: str, label: str) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError as error:
            raise InvalidInput(
                field, f"Give {label} as a date like 2026-03-31 (year-month-day)."
            ) from error
    else:
        raise InvalidInput(field, f"Give {label} as a date like 2026-03-31 (year-month-day).")
    if day.year < 1900:
        raise InvalidInput(field, f"Give {label} from 1 January 1900 on.")
    if day > timezone.localdate():
        raise InvalidInput(field, f"{label[0].upper()}{label[1:]} cannot be in the future.")
    return day.isoformat()


def _missing(group: Group, item: Item) -> InvalidInput:
    return InvalidInput(
        f"{group.key}.{item.key}",
        f"The referral is missing {item.label} ({group.title}: a required item).",
    )


def _item_value(group: Group, item: Item, value: Any) -> Any:
    field = f"{group.key}.{item.key}"
    if item.kind == "consent":
        if value is not True:
            raise InvalidInput(
                field,
                "Record that the person agreed to share their information with the "
                "service: without their consent the referral cannot be taken.",
            )
        return True
    if item.kind == "date":
        return _date(value, field, item.label)
    if not isinstance(value, str):
        raise InvalidInput(field, f"Give {item.label} as text.")
    text = value.strip()
    if len(text) > item.limit:
        raise InvalidInput(field, f"Keep {item.label} under {item.limit} characters.")
    if item.kind == "nhs_number" and text:
        digits = re.sub(r"[\s-]", "", text)
        if not nhs_number_valid(digits):
            raise InvalidInput(
                field, "That is not a valid NHS number: it has ten digits and a check digit."
            )
        return digits
    if item.kind == "email" and text and not _EMAIL.match(text):
        raise InvalidInput(field, "Enter an email address like name@example.org.")
    return text


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def group_clean(group: Group, data: Any) -> dict[str, Any]:
    """The group's items, checked: every required item present, none unknown, each of its
    kind. Returns the JSON to store (dates as ISO strings, empty items left out)."""
    if not isinstance(data, Mapping):
        raise InvalidInput(group.key, f"{group.title} must be an object of named items.")
    known = {item.key for item in group.items}
    unknown = sorted(str(key) for key in data if key not in known)
    if unknown:
        raise InvalidInput(
            f"{group.key}.{unknown[0]}",
            f"{group.title} has no item “{unknown[0]}”. Its items are: {', '.join(sorted(known))}.",
        )
    cleaned: dict[str, Any] = {}
    for item in group.items:
        value = data.get(item.key)
        if _blank(value) or (item.kind == "consent" and value is None):
            if item.required:
                raise _missing(group, item)
            continue
        cleaned[item.key] = _item_value(group, item, value)
        if cleaned[item.key] == "":
            del cleaned[item.key]
            if item.required:
                raise _missing(group, item)
    return cleaned


def referral_dataset_clean(
    *, referrer: Any, demographics: Any, needs: Any
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The three groups a referral arrives with, checked in the order a reader meets them."""
    return (
        group_clean(REFERRER, referrer),
        group_clean(DEMOGRAPHICS, demographics),
        group_clean(NEEDS, needs),
    )


def required_items() -> list[str]:
    """``group.item`` for every required item of a referral as received."""
    return [f"{g.key}.{i.key}" for g in RECEIVED_GROUPS for i in g.items if i.required]


def _entry_text(value: Any, field: str, what: str, limit: int = 2000) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, f"Write {what}.")
    text = value.strip()
    if len(text) > limit:
        raise InvalidInput(field, f"Keep it under {limit} characters.")
    return text


def support_entry_clean(
    *,
    description: Any,
    kind: Any,
    offered_on: Any,
    asset: tuple[str, str] | None = None,
    group: tuple[int, str] | None = None,
) -> dict[str, Any]:
    """One piece of support offered: what (free text), of which kind, when, and optionally
    the directory asset or peer group it introduces (as ``(id, name)``, already checked)."""
    if kind not in SupportKind.VALUES:
        raise InvalidInput("kind", "Choose what kind of support it is.")
    entry: dict[str, Any] = {
        "description": _entry_text(description, "description", "what was offered"),
        "kind": kind,
        "offered_on": _date(offered_on, "offered_on", "the date it was offered"),
    }
    if asset is not None:
        entry["asset_id"], entry["asset_name"] = asset
    if group is not None:
        entry["group_id"], entry["group_name"] = group
    return entry


def outcome_entry_clean(
    *, text: Any, recorded_on: Any, measure: Any = None, score: Any = None
) -> dict[str, Any]:
    """One outcome: free text, and — when the impact app has registered wellbeing measures —
    a ``{"measure": ..., "score": ...}`` scored on one of them."""
    entry: dict[str, Any] = {
        "text": _entry_text(text, "text", "what changed for the person", TEXT_LIMIT),
        "recorded_on": _date(recorded_on, "recorded_on", "the date of the outcome"),
    }
    if _blank(measure) and score is None:
        return entry
    if _blank(measure):
        raise InvalidInput("measure", "Say which wellbeing measure the score is on.")
    if not WELLBEING_MEASURES:
        raise InvalidInput(
            "measure", "No wellbeing measures are set up yet: record the outcome in words."
        )
    found = WELLBEING_MEASURES.get(str(measure))
    if found is None:
        names = ", ".join(sorted(WELLBEING_MEASURES))
        raise InvalidInput("measure", f"Choose one of the wellbeing measures: {names}.")
    if isinstance(score, bool) or not isinstance(score, int):
        raise InvalidInput("score", f"Give the {found.label} score as a whole number.")
    if not found.low <= score <= found.high:
        raise InvalidInput(
            "score", f"The {found.label} score must be from {found.low} to {found.high}."
        )
    entry["measure"] = found.key
    entry["score"] = score
    return entry


# --- The message back to the referrer ------------------------------------------------------


@dataclass(frozen=True)
class Events:
    """When a referral was decided and closed (from the history), for the message back."""

    accepted_on: date | None = None
    declined_on: date | None = None
    decline_reason: str = ""
    closed_on: date | None = None
    closing_summary: str = ""


def message_back(
    *,
    reference: str,
    service: str,
    status: str,
    received_on: date,
    referrer: Mapping[str, Any],
    demographics: Mapping[str, Any],
    link_worker: str | None,
    support: Iterable[Mapping[str, Any]],
    outcomes: Iterable[Mapping[str, Any]],
    events: Events,
    generated_at: datetime,
) -> dict[str, Any]:
    """The structured message back to the referrer and GP, coded with SNOMED CT."""

    def iso(day: date | None) -> str | None:
        return day.isoformat() if day else None

    return {
        "message": MESSAGE_KIND,
        "standard": STANDARD,
        "code": {"system": SNOMED_SYSTEM, "code": REFERRAL_CODE, "display": REFERRAL_DISPLAY},
        "reference": reference,
        "service": service,
        "status": status,
        "referrer": {
            key: referrer.get(key, "")
            for key in ("name", "role", "organisation", "organisation_code")
        },
        "person": {
            "name": demographics.get("full_name", ""),
            "date_of_birth": demographics.get("date_of_birth"),
            "nhs_number": demographics.get("nhs_number", ""),
        },
        "dates": {
            "referred_on": referrer.get("referred_on"),
            "received_on": received_on.isoformat(),
            "accepted_on": iso(events.accepted_on),
            "declined_on": iso(events.declined_on),
            "closed_on": iso(events.closed_on),
        },
        "decline_reason": events.decline_reason,
        "link_worker": link_worker,
        "support_offered": [dict(entry) for entry in support],
        "outcomes": [dict(entry) for entry in outcomes],
        "closing_summary": events.closing_summary,
        "generated_at": generated_at.isoformat(),
    }


CSV_COLUMNS = ("reference", "section", "entry", "item", "value")


def message_back_rows(message: Mapping[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """The message as one row per item: (reference, section, entry, item, value). ``entry``
    numbers the support offered and outcomes from 1; it is empty for single items."""
    reference = str(message["reference"])
    rows: list[tuple[str, str, str, str, str]] = []

    def add(section: str, entry: str, item: str, value: Any) -> None:
        rows.append((reference, section, entry, item, "" if value is None else str(value)))

    add("referral", "", "code_system", message["code"]["system"])
    add("referral", "", "code", message["code"]["code"])
    add("referral", "", "code_display", message["code"]["display"])
    for key in ("reference", "service", "status", "link_worker", "decline_reason"):
        add("referral", "", key, message[key])
    for section in ("referrer", "person", "dates"):
        for key, value in message[section].items():
            add(section, "", key, value)
    for number, support in enumerate(message["support_offered"], start=1):
        for key, value in support.items():
            add("support_offered", str(number), key, value)
    for number, outcome in enumerate(message["outcomes"], start=1):
        for key, value in outcome.items():
            add("outcomes", str(number), key, value)
    add("closing", "", "closing_summary", message["closing_summary"])
    add("closing", "", "generated_at", message["generated_at"])
    return rows


def message_back_csv(message: Mapping[str, Any]) -> str:
    """The message as CSV: a header, then one row per item (``message_back_rows``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in message_back_rows(message):
        writer.writerow([_csv_safe(cell) for cell in row])
    return out.getvalue()


def _csv_safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
