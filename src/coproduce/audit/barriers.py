"""The seam to the barrier register. The commissioning app (above audit in the layers, so audit
never imports it) keeps a register of the barriers to co-production. When it exists it calls
``register_barrier_register(callable)`` from its ``AppConfig.ready``; from then on every
barrier a round finds is also handed to that callable as a :class:`BarrierFound`, and the
reference it returns is kept on the barrier (``Barrier.register_ref``). Until then barriers are
kept with their round only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class BarrierFound:
    """A barrier as the register receives it: plain values, no audit model."""

    organisation_id: int
    round_id: int
    service: str
    section_code: str
    description: str
    recorded_on: date


BarrierRegister = Callable[[BarrierFound], str]

_register: BarrierRegister | None = None


def register_barrier_register(register: BarrierRegister | None) -> None:
    """Install the barrier register (one at a time); None takes it away again."""
    global _register
    _register = register


def barrier_register() -> BarrierRegister | None:
    """The installed register, or None while there is none."""
    return _register
