"""Recurring opening times: checking a schedule is possible, and reading the short form
people type ("MO,TU 09:00-17:00; SA 10:00-12:00")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time

from coproduce.errors import InvalidInput

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
_MONTHLY_PART = re.compile(r"^(-?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


@dataclass(frozen=True)
class ScheduleSpec:
    freq: str
    interval: int
    byday: str
    opens_at: time
    closes_at: time
    valid_from: date | None = None
    valid_to: date | None = None
    description: str = ""


def normalise_byday(value: str, *, freq: str = "WEEKLY", field: str = "byday") -> str:
    """Comma-separated iCalendar days in week order; an occurrence only on monthly ones."""
    parts = [part.strip().upper() for part in value.replace(" ", ",").split(",") if part.strip()]
    if not parts:
        raise InvalidInput(field, "Choose at least one day.")
    cleaned: list[str] = []
    for part in parts:
        match = _MONTHLY_PART.match(part)
        if match is None or (match.group(1) and freq != "MONTHLY"):
            raise InvalidInput(
                field,
                f"“{part}” is not a day. Use MO, TU, WE, TH, FR, SA or SU"
                + (
                    ", with a number before it for a monthly occurrence like 2MO."
                    if freq == "MONTHLY"
                    else "."
                ),
            )
        if part not in cleaned:
            cleaned.append(part)
    cleaned.sort(key=lambda part: (DAYS.index(part[-2:]), part))
    return ",".join(cleaned)


def parse_time(value: str, *, field: str) -> time:
    match = _TIME.match(value.strip())
    if match is None:
        raise InvalidInput(field, f"“{value}” is not a time. Use the 24-hour clock, like 09:30.")
    return time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def check_schedule(spec: ScheduleSpec, *, field_prefix: str = "") -> ScheduleSpec:
    """Refuse a schedule that can never happen; return it with its days normalised."""
    if spec.freq not in {"WEEKLY", "MONTHLY"}:
        raise InvalidInput(f"{field_prefix}freq", "Choose weekly or monthly.")
    if spec.interval < 1:
        raise InvalidInput(f"{field_prefix}interval", "The interval must be 1 or more.")
    byday = normalise_byday(spec.byday, freq=spec.freq, field=f"{field_prefix}byday")
    if spec.closes_at <= spec.opens_at:
        raise InvalidInput(
            f"{field_prefix}closes_at",
            f"Closing time {spec.closes_at:%H:%M} must be after opening time "
            f"{spec.opens_at:%H:%M}. Split an overnight opening into two days.",
        )
    if spec.valid_from and spec.valid_to and spec.valid_to < spec.valid_from:
        raise InvalidInput(f"{field_prefix}valid_to", "The end date must be after the start date.")
    return ScheduleSpec(
        freq=spec.freq,
        interval=spec.interval,
        byday=byday,
        opens_at=spec.opens_at,
        closes_at=spec.closes_at,
        valid_from=spec.valid_from,
        valid_to=spec.valid_to,
        description=spec.description.strip(),
    )


def parse_opening_times(text: str, *, field: str = "opening_times") -> list[ScheduleSpec]:
    """'MO,TU 09:00-17:00; SA 10:00-12:00' → weekly schedules, each checked."""
    specs: list[ScheduleSpec] = []
    for chunk in (part.strip() for part in text.split(";")):
        if not chunk:
            continue
        days, _, hours = chunk.rpartition(" ")
        opens, dash, closes = hours.partition("-")
        if not days or not dash:
            raise InvalidInput(
                field, f"“{chunk}” is not an opening time. Write it like “MO,TU 09:00-17:00”."
            )
        spec = ScheduleSpec(
            freq="WEEKLY",
            interval=1,
            byday=days,
            opens_at=parse_time(opens, field=field),
            closes_at=parse_time(closes, field=field),
        )
        try:
            specs.append(check_schedule(spec))
        except InvalidInput as error:
            raise InvalidInput(field, error.message) from error
    return specs


def describe_byday(byday: str) -> str:
    return ", ".join(
        (f"{part[:-2]} " if len(part) > 2 else "") + DAY_NAMES[part[-2:]]
        for part in byday.split(",")
        if part
    )
