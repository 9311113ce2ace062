"""The schema, declared once; Alembic migrations are checked against it.

Every table holding district data carries ``adcode``, the distribution column for Citus
(SPEC §7); its primary key starts with it. ``core`` holds units, keys, audit, layers, the
H3 index and data versions; ``elements`` the key elements and their ingest jobs; ``cameras``
the camera tables.
"""

from gridsvc.db.models.cameras import (
    CAMERA_STATUSES,
    Camera,
    CameraAlias,
    CameraEventRow,
    CameraPicture,
    GridCoverage,
)
from gridsvc.db.models.core import (
    LEVELS,
    NAMING,
    OUTCOMES,
    ROLES,
    ApiKey,
    AuditEntry,
    Base,
    CellIndexState,
    DataVersion,
    DeptGrid,
    DeptLayer,
    H3Cell,
    LayerConflict,
    LayerCrosswalk,
    LoginSession,
    Unit,
)
from gridsvc.db.models.elements import (
    ELEMENT_KINDS,
    JOB_STATUSES,
    Element,
    IngestError,
    IngestJob,
)

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Base",
    "CAMERA_STATUSES",
    "Camera",
    "CameraAlias",
    "CameraEventRow",
    "CameraPicture",
    "CellIndexState",
    "DataVersion",
    "DeptGrid",
    "DeptLayer",
    "ELEMENT_KINDS",
    "Element",
    "GridCoverage",
    "H3Cell",
    "IngestError",
    "IngestJob",
    "JOB_STATUSES",
    "LEVELS",
    "LayerConflict",
    "LayerCrosswalk",
    "LoginSession",
    "NAMING",
    "OUTCOMES",
    "ROLES",
    "Unit",
]
