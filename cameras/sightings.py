"""When a camera was last seen and since when it has been seen without a break. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta


def advance(
    last_seen: datetime | None,
    seen_since: datetime | None,
    sightings: Iterable[datetime],
    gap: timedelta,
) -> tuple[datetime | None, datetime | None]:
    """(last_seen, seen_since) after ``sightings`` (any order; older ones change nothing).

    ``seen_since`` starts the unbroken run of sightings: it is reset to a sighting that comes
    more than ``gap`` after the one before it (the camera had gone quiet).
    """
    for at in sorted(sightings):
        if last_seen is not None and at <= last_seen:
            continue
        if last_seen is None or seen_since is None or at - last_seen > gap:
            seen_since = at
        last_seen = at
    return last_seen, seen_since
