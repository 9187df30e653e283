"""The kinds of news a person can hear about. Each app registers its own events in its
``AppConfig.ready()``, so the preferences page lists them all and this package never
imports an app above it."""

from __future__ import annotations

from dataclasses import dataclass

from coproduce.errors import InvalidInput


@dataclass(frozen=True)
class Event:
    code: str
    label: str
    default: str  # a Frequency value: how the person hears until they choose


_EVENTS: dict[str, Event] = {}


def event_register(code: str, label: str, *, default: str = "immediate") -> Event:
    """Declare an event once; registering the same code again with the same label is a
    no-op (apps may be readied more than once in tests)."""
    from coproduce.notifications.models import Frequency

    if default not in Frequency.values:
        raise ValueError(f"{default!r} is not a Frequency")
    event = Event(code=code, label=label, default=default)
    existing = _EVENTS.get(code)
    if existing is not None and existing != event:
        raise ValueError(f"The event {code!r} is already registered as {existing.label!r}")
    _EVENTS[code] = event
    return event


def event_get(code: str) -> Event:
    try:
        return _EVENTS[code]
    except KeyError as error:
        raise InvalidInput("event", f"“{code}” is not a kind of notification.") from error


def events_all() -> list[Event]:
    return sorted(_EVENTS.values(), key=lambda event: event.code)
