"""A camera's active alarms across a batch of its events: the pure rule. No I/O.

``video_loss`` and ``tamper`` events that are active (or carry no state: devices repeat an
active alarm and never end it) add the alarm; ``inactive`` removes it. A heartbeat is proof
of video: it clears an active ``video_loss`` and, when it does, a ``video_loss``/``inactive``
event is derived from it so that the end of the loss is recorded (heartbeats themselves are
not stored). Other events leave the alarms alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from cameras.events import ALARM_TYPES, CameraEvent

HEARTBEAT = "heartbeat"
VIDEO_LOSS = "video_loss"


def apply_alarms(
    previous: Iterable[str], events: Sequence[CameraEvent]
) -> tuple[frozenset[str], list[CameraEvent]]:
    """(alarms active after ``events``, in order, and the events derived on the way)."""
    alarms = set(previous)
    derived: list[CameraEvent] = []
    for event in events:
        if event.type == HEARTBEAT:
            if VIDEO_LOSS in alarms:
                alarms.discard(VIDEO_LOSS)
                derived.append(_video_back(event))
        elif event.type in ALARM_TYPES:
            if event.state == "inactive":
                alarms.discard(event.type)
            else:
                alarms.add(event.type)
    return frozenset(alarms), derived


def _video_back(heartbeat: CameraEvent) -> CameraEvent:
    """The ``video_loss``/``inactive`` event a heartbeat stands for when it ends a loss."""
    return dataclasses.replace(
        heartbeat, type=VIDEO_LOSS, state="inactive", event_id=None, label=None, score=None
    )
