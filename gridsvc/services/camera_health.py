"""Camera health: the periodic status sweep (owned by the app's lifespan) and the health
summary of a district (GET /api/v1/cameras/health)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine

from cameras.health import NEVER_SEEN, OFFLINE, ONLINE, HealthPolicy
from gridsvc.auth import Action, Principal, authorize, target_district
from gridsvc.repositories import camera_health as repo
from gridsvc.repositories import camera_health_read as read
from gridsvc.repositories.camera_health import StatusChange
from gridsvc.settings import Settings

log = logging.getLogger(__name__)
#: Cameras listed with an active alarm, and among the offline ones, in a summary.
ALARM_LIST_MAX = 200
OFFLINE_LIST_MAX = 20
#: The pause between sweeps is never shorter than this, even after a long sweep (seconds).
MIN_PAUSE_SECONDS = 1.0


def policy_of(settings: Settings) -> HealthPolicy:
    """The health thresholds the settings configure."""
    return HealthPolicy.of_seconds(
        settings.camera_offline_after_seconds, settings.camera_online_after_seconds
    )


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did: the status changes made and the events recorded for them."""

    now: datetime
    changes: list[StatusChange] = field(default_factory=list)
    recorded: int = 0


def sweep_once(
    engine: Engine,
    policy: HealthPolicy,
    *,
    retention_days: int,
    now: datetime | None = None,
    adcode: str | None = None,
) -> SweepResult | None:
    """Apply the health rule to the cameras of ``adcode`` (None: every district) at ``now``
    (None: the database's clock) and record the transitions as events, in one transaction.

    None when another process is sweeping at this moment (it holds the sweep lock).
    """
    with engine.begin() as conn:
        taken, db_now = repo.try_sweep_lock(conn)
        if not taken:
            return None
        now = now or db_now
        since = now - timedelta(days=retention_days)
        changes, recorded = repo.sweep(conn, now, policy, adcode, record_since=since)
    return SweepResult(now, changes, recorded)


class CameraSweeper:
    """Sweeps camera health every ``interval`` seconds in a background thread.

    Errors are logged and the sweep tried again next round; ``stop`` ends the thread (waits
    for a sweep in progress). Several app processes may run one each: the sweep lock lets one
    sweep at a time and the statement re-checks every row it changes.
    """

    def __init__(
        self, engine: Engine, policy: HealthPolicy, interval: float, retention_days: int
    ) -> None:
        self.engine = engine
        self.policy = policy
        self.interval = interval
        self.retention_days = retention_days
        self.sweeps = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start sweeping: the first sweep one interval from now, then every interval (the
        sweep reads stored sightings only, so a restart neither loses nor invents any)."""
        self._thread = threading.Thread(target=self._loop, name="camera-health", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop sweeping and wait for the thread to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        pause = self.interval
        while not self._stop.wait(pause):
            started = time.monotonic()
            self.sweep()
            elapsed = time.monotonic() - started
            pause = max(self.interval - elapsed, min(self.interval, MIN_PAUSE_SECONDS))

    def sweep(self) -> SweepResult | None:
        """One sweep; failures are logged, never raised."""
        try:
            result = sweep_once(self.engine, self.policy, retention_days=self.retention_days)
        except Exception:
            log.exception("camera health sweep failed")
            return None
        self.sweeps += 1
        if result and result.changes:
            log.info(
                "camera health: %d status changes, %d events recorded",
                len(result.changes),
                result.recorded,
            )
        return result


def summary(
    engine: Engine, principal: Principal, district: str | None, default_district: str
) -> dict:
    """Health of a district's cameras (a grid leader's: its own grids'): status counts overall,
    by department and by grid, active alarms, the cameras offline longest."""
    authorize(principal, Action.READ_CAMERAS)
    adcode = target_district(principal, district, default_district)
    grids = sorted(principal.grid_codes) if principal.grid_scoped else None
    with engine.connect() as conn:
        counts = read.status_counts(conn, adcode, grids)
        alarm_counts = read.alarm_counts(conn, adcode, grids)
        alarmed = read.alarmed(conn, adcode, grids, ALARM_LIST_MAX)
        offline = read.offline_longest(conn, adcode, grids, OFFLINE_LIST_MAX)
    overall = _tally(r for r in counts if not r["by_department"] and not r["by_grid"])
    return {
        "district": adcode,
        **overall,
        "by_department": _grouped(counts, "department"),
        "by_grid": _grouped(counts, "grid_code"),
        "alarms": {
            "video_loss": alarm_counts.get("video_loss", 0),
            "tamper": alarm_counts.get("tamper", 0),
            "cameras": alarmed,
        },
        "offline_longest": offline,
    }


def _tally(rows: Iterable[dict]) -> dict:
    """{total, online, offline, never_seen} of count rows."""
    out = {"total": 0, ONLINE: 0, OFFLINE: 0, NEVER_SEEN: 0}
    for r in rows:
        out[r["status"]] += r["n"]
        out["total"] += r["n"]
    return out


def _grouped(counts: list[dict], key: str) -> list[dict]:
    """Count rows grouped by ``key`` (department or grid_code), in key order (None last)."""
    flag = "by_department" if key == "department" else "by_grid"
    groups: dict[str | None, list[dict]] = {}
    for r in counts:
        if r[flag]:
            groups.setdefault(r[key], []).append(r)
    ordered = sorted(groups, key=lambda k: (k is None, k or ""))
    return [{key: k, **_tally(groups[k])} for k in ordered]
