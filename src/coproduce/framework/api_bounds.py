"""The ranges every integer entering through the API is held to, before it reaches a service.

Body fields are strict (``true`` is not 1, ``"5"`` is not 5); path and query values arrive as
text, so they are parsed, then held to the same ranges. Nothing past a 64-bit column gets in.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, StrictInt

from coproduce.framework.pagination import MAX_PAGE as MAX_PAGE

MAX_BIGINT = 2**63 - 1
# 100,000 hours: more than any one account, limit or transfer in minutes could sensibly hold.
MAX_MINUTES = 6_000_000
# £1 billion, in pence.
MAX_PENCE = 100_000_000_000
MAX_COUNT = 1_000_000

Id = Annotated[int, Field(ge=1, le=MAX_BIGINT)]
"""A record's id in a path or query string."""

BodyId = Annotated[StrictInt, Field(ge=1, le=MAX_BIGINT)]
"""A record's id in a JSON body."""

Minutes = Annotated[StrictInt, Field(ge=-MAX_MINUTES, le=MAX_MINUTES)]
"""Minutes (or credits) in a JSON body; services decide which signs make sense."""

Pence = Annotated[StrictInt, Field(ge=0, le=MAX_PENCE)]

Count = Annotated[StrictInt, Field(ge=0, le=MAX_COUNT)]
"""A count, cap or threshold in a JSON body."""

Flag = StrictBool
"""A JSON ``true`` or ``false``, nothing else."""

MAX_AGE = 150
Age = Annotated[StrictInt, Field(ge=0, le=MAX_AGE)]
"""An age in years in a JSON body."""

Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
