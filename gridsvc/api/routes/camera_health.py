"""Camera health of a district: status counts, active alarms, cameras offline longest."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from gridsvc.api.deps import CurrentPrincipal, EngineDep, SettingsDep
from gridsvc.api.params import District
from gridsvc.services import camera_health

router = APIRouter(prefix="/api/v1", tags=["cameras"])


class StatusCounts(BaseModel):
    """Cameras per status."""

    total: int
    online: int
    offline: int
    never_seen: int


class DepartmentCounts(StatusCounts):
    department: str


class GridCounts(StatusCounts):
    grid_code: str | None = None


class AlarmedCamera(BaseModel):
    """A camera with an active alarm and since when (None: its start is past the retention)."""

    device_id: str
    name: str
    department: str
    grid_code: str | None = None
    alarm: str
    since: datetime | None = None


class Alarms(BaseModel):
    """Cameras with an active video-loss or tamper alarm."""

    video_loss: int
    tamper: int
    cameras: list[AlarmedCamera]


class OfflineCamera(BaseModel):
    """An offline camera: offline since, last seen (None: never)."""

    device_id: str
    name: str
    department: str
    grid_code: str | None = None
    since: datetime
    last_seen: datetime | None = None


class CameraHealth(StatusCounts):
    """Health of the cameras of a district (a grid leader's: of its own grids)."""

    district: str
    by_department: list[DepartmentCounts]
    by_grid: list[GridCounts]
    alarms: Alarms
    offline_longest: list[OfflineCamera]


# Included in the app before the registry's router: its /api/v1/cameras/{device_id} would
# otherwise take /api/v1/cameras/health.
@router.get(
    "/cameras/health",
    summary="Camera health of a district: online, offline, never seen (by department and "
    "grid), active alarms, cameras offline longest",
)
def cameras_health(
    engine: EngineDep, settings: SettingsDep, principal: CurrentPrincipal, district: District = None
) -> CameraHealth:
    body = camera_health.summary(engine, principal, district, settings.default_district)
    return CameraHealth(**body)
