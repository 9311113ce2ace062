"""The schema, declared once; Alembic migrations are checked against it.

Every table holding district data carries ``adcode``, the distribution column
for Citus (SPEC §7); its primary key starts with it.
"""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gridsvc.geo import SRID

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

LEVELS = ("district", "street", "community", "grid")
ROLES = ("admin", "operator", "grid_leader", "integrator", "planner")
OUTCOMES = ("ok", "dry_run", "rejected", "refused")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Unit(Base):
    """A district, street, community or grid of the unified hierarchy."""

    __tablename__ = "units"

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    code: Mapped[str] = mapped_column(String(15), primary_key=True)
    level: Mapped[str] = mapped_column(String(9))
    parent_code: Mapped[str | None] = mapped_column(String(15))
    name: Mapped[str] = mapped_column(Text)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=False), nullable=False)
    area_m2: Mapped[float] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(Text)
    properties: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(f"level IN {LEVELS}", name="level"),
        CheckConstraint("code LIKE adcode || '%'", name="code_in_district"),
        CheckConstraint(
            "length(code) = CASE level WHEN 'district' THEN 6 WHEN 'street' THEN 9 "
            "WHEN 'community' THEN 12 ELSE 15 END",
            name="code_length",
        ),
        Index("ix_units_adcode_parent_code", "adcode", "parent_code"),
        Index("ix_units_adcode_level", "adcode", "level"),
        Index("ix_units_geom", "geom", postgresql_using="gist"),
    )


class ApiKey(Base):
    """An API key: only its SHA-256 hash is kept. Not district data: a reference table."""

    __tablename__ = "api_keys"

    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text, server_default="")
    district: Mapped[str | None] = mapped_column(String(6))
    grid_codes: Mapped[list[str]] = mapped_column(ARRAY(String(15)), server_default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[int | None] = mapped_column(BigInteger)  # a grid leader's staff element
    integrator: Mapped[str | None] = mapped_column(Text)  # cameras an integrator key pushes for

    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="role"),)


class LoginSession(Base):
    """A browser session opened with an API key; the cookie holds the id, we keep its hash."""

    __tablename__ = "login_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_prefix: Mapped[str] = mapped_column(ForeignKey("api_keys.prefix"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_address: Mapped[str | None] = mapped_column(Text)


class AuditEntry(Base):
    """One write or admin action: who, what, on which objects, where, when, with what outcome.

    Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE. ``district`` is not the
    distribution column (entries of keys without a district have none).
    """

    __tablename__ = "audit_log"

    entry_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(Text)
    actor_role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str | None] = mapped_column(String(20))
    object_ids: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    district: Mapped[str | None] = mapped_column(String(6))
    address: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(12))
    detail: Mapped[dict] = mapped_column(JSONB, server_default="{}")

    __table_args__ = (
        CheckConstraint(f"outcome IN {OUTCOMES}", name="outcome"),
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_district_at", "district", "at"),
    )


class DeptLayer(Base):
    """A departmental grid layer (城管, 综治, 公安…) or a proposed unified grid, versioned."""

    __tablename__ = "dept_layers"

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    layer_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    department: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text, server_default="")
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    status: Mapped[str] = mapped_column(String(12), server_default="active")
    source: Mapped[str | None] = mapped_column(Text)
    crs: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("kind IN ('departmental', 'proposal')", name="kind"),
        UniqueConstraint("adcode", "kind", "department", name="uq_dept_layers_department"),
    )


class DeptGrid(Base):
    """One feature of a departmental layer, clipped to its district."""

    __tablename__ = "dept_grids"

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    layer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(Text, server_default="")
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=False), nullable=False)
    area_m2: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_dept_grids_geom", "geom", postgresql_using="gist"),)


class LayerCrosswalk(Base):
    """Overlap of a departmental grid with a unified grid."""

    __tablename__ = "layer_crosswalk"

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    layer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(15), primary_key=True)
    overlap_m2: Mapped[float] = mapped_column(Float)
    share_of_dept: Mapped[float] = mapped_column(Float)
    share_of_grid: Mapped[float] = mapped_column(Float)


class LayerConflict(Base):
    """A disagreement between a departmental layer and the unified grid."""

    __tablename__ = "layer_conflicts"

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    layer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    conflict_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    dept_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    grid_codes: Mapped[list[str]] = mapped_column(ARRAY(String(15)), server_default="{}")
    area_m2: Mapped[float] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    geom = mapped_column(Geometry("GEOMETRY", srid=SRID, spatial_index=False), nullable=True)


class H3Cell(Base):
    """The H3 index of a district's grids: interior cells name their grid, boundary cells
    list their candidate grids."""

    __tablename__ = "h3_cells"

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    resolution: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    cell: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    grid_code: Mapped[str | None] = mapped_column(String(15))
    candidates: Mapped[list[str]] = mapped_column(ARRAY(String(15)), server_default="{}")


class CellIndexState(Base):
    """Which H3 index a district has, and its version (bumped on every rebuild)."""

    __tablename__ = "cell_indexes"

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    resolution: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    grids: Mapped[int] = mapped_column(Integer, server_default="0")
    interior_cells: Mapped[int] = mapped_column(Integer, server_default="0")
    boundary_cells: Mapped[int] = mapped_column(Integer, server_default="0")
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DataVersion(Base):
    """How often a district's rows in one table changed: bumped by triggers (migration 0004)
    inside every writing transaction, whatever wrote (ORM, COPY, plain SQL)."""

    __tablename__ = "data_versions"

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(63), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, server_default="0")
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


ELEMENT_KINDS = ("person", "place", "thing", "organisation", "situation", "staff")
JOB_STATUSES = ("queued", "running", "done", "failed")


class Element(Base):
    """A key element pinned to its cell and grid: person, place, thing, organisation,
    situation, or a grid staff member (1+5+N).

    ``(adcode, kind, source, external_id)`` is the idempotency key of ingest. ``category`` is
    the kind's own classification: a place's kind, a thing's class code, an organisation's
    kind, a situation's kind, a staff member's role, a person's registration. A person's full
    name, ID number, phone, address and birth date are kept only sealed in ``pii``; ``name``
    and ``attrs`` hold the masked forms. ``row_hash`` is a keyed hash of the source row that
    wrote it: a re-import of the same row is recognised without touching the table.
    ``id_hash`` (keyed hash of the ID number) is not indexed: no query looks people up by ID
    number yet, and each index costs bulk ingest several microseconds a row.
    """

    __tablename__ = "elements"

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    element_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    category: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    grid_code: Mapped[str | None] = mapped_column(String(15))
    h3: Mapped[int | None] = mapped_column(BigInteger)
    geom = mapped_column(Geometry("GEOMETRY", srid=SRID, spatial_index=False), nullable=True)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    status: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[int | None] = mapped_column(SmallInteger)
    valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    household_id: Mapped[str | None] = mapped_column(Text)
    building_id: Mapped[str | None] = mapped_column(Text)
    parent_external_id: Mapped[str | None] = mapped_column(Text)
    attrs: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    pii: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    row_hash: Mapped[int] = mapped_column(BigInteger)
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(f"kind IN {ELEMENT_KINDS}", name="kind"),
        CheckConstraint("geom IS NOT NULL OR kind = 'staff'", name="located"),
        CheckConstraint("severity BETWEEN 1 AND 4", name="severity"),
        UniqueConstraint("adcode", "kind", "source", "external_id", name="uq_elements_key"),
        Index("ix_elements_adcode_grid_code_kind", "adcode", "grid_code", "kind"),
        Index("ix_elements_adcode_h3", "adcode", "h3"),
        Index("ix_elements_geom", "geom", postgresql_using="gist"),
    )


class IngestJob(Base):
    """One ingest of one file: its mapping, progress (rows committed, the resume point),
    counts and status."""

    __tablename__ = "ingest_jobs"

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    job_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(Text)
    file_path: Mapped[str | None] = mapped_column(Text)
    mapping: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    dry_run: Mapped[bool] = mapped_column(Boolean, server_default="false")
    status: Mapped[str] = mapped_column(String(10), server_default="queued")
    rows_done: Mapped[int] = mapped_column(BigInteger, server_default="0")
    rows_total: Mapped[int | None] = mapped_column(BigInteger)
    bytes_done: Mapped[int] = mapped_column(BigInteger, server_default="0")
    bytes_total: Mapped[int | None] = mapped_column(BigInteger)
    counts: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    error: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(f"status IN {JOB_STATUSES}", name="status"),
        CheckConstraint(f"kind IN {ELEMENT_KINDS}", name="kind"),
    )


class IngestError(Base):
    """One rejected value of one row of an ingest job (``row``: 1-based data row)."""

    __tablename__ = "ingest_errors"

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    job_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    row: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    seq: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    field: Mapped[str | None] = mapped_column(Text)
    code: Mapped[str] = mapped_column(String(24))
    message: Mapped[str] = mapped_column(Text)


CAMERA_STATUSES = ("online", "offline", "never_seen")


class Camera(Base):
    """A camera or device of the registry, keyed by its GB/T 28181 device ID (SPEC §9).

    ``geom`` is where it stands (WGS 84), ``grid_code``/``h3`` its grid and cell from the
    locate core; ``sector`` its view sector (from heading, field of view and range), None
    when those are unknown. ``parent_id`` names the NVR or platform a channel belongs to.
    ``streams`` holds stream URLs with their credentials: only admins read them whole.
    ``integrator`` names the integrator whose keys may push events for it. Health:
    ``status`` with ``status_since``; ``last_seen`` is the newest event or heartbeat and
    ``seen_since`` the start of the current unbroken run of sightings (for hysteresis);
    ``alarms`` the alarm types (video loss, tamper) active now.
    """

    __tablename__ = "cameras"

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(Text)
    integrator: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(String(20))
    device_type: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(Text, server_default="api")
    manufacturer: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    civil_code: Mapped[str | None] = mapped_column(String(20))
    geom = mapped_column(Geometry("POINT", srid=SRID, spatial_index=False), nullable=True)
    grid_code: Mapped[str | None] = mapped_column(String(15))
    h3: Mapped[int | None] = mapped_column(BigInteger)
    height_m: Mapped[float | None] = mapped_column(Float)
    heading_deg: Mapped[float | None] = mapped_column(Float)
    fov_deg: Mapped[float | None] = mapped_column(Float)
    range_m: Mapped[float | None] = mapped_column(Float)
    sector = mapped_column(Geometry("POLYGON", srid=SRID, spatial_index=False), nullable=True)
    ptz_type: Mapped[int | None] = mapped_column(SmallInteger)
    streams: Mapped[list] = mapped_column(JSONB, server_default="[]")
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    aliases: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    attrs: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    status: Mapped[str] = mapped_column(String(10), server_default="never_seen")
    status_since: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    seen_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    alarms: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(f"status IN {CAMERA_STATUSES}", name="status"),
        CheckConstraint("ptz_type BETWEEN 1 AND 4", name="ptz_type"),
        Index("ix_cameras_adcode_grid_code", "adcode", "grid_code"),
        Index("ix_cameras_adcode_parent_id", "adcode", "parent_id"),
        Index("ix_cameras_geom", "geom", postgresql_using="gist"),
        Index("ix_cameras_sector", "sector", postgresql_using="gist"),
    )


class CameraAlias(Base):
    """A name a vendor payload uses for a camera (``mac:…/1``, ``ip:…/1``, ``onvif:…``),
    normalised (trimmed, lower case); unique within a district."""

    __tablename__ = "camera_aliases"

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    alias: Mapped[str] = mapped_column(Text, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(20))

    __table_args__ = (Index("ix_camera_aliases_adcode_device_id", "adcode", "device_id"),)


class CameraEventRow(Base):
    """A normalised camera event, in a table partitioned by day on ``occurred_at``.

    Partitions (``camera_events_pYYYYMMDD``) are created ahead by the event service and
    dropped after the retention period. ``(adcode, camera_id, occurred_at, event_id)`` is
    the idempotency key (a partitioned table's unique key must hold the partition column).
    ``raw`` keeps the payload item as received; ``pictures`` the ids of stored pictures.
    """

    __tablename__ = "camera_events"

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    camera_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    event_id: Mapped[str] = mapped_column(Text, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    type: Mapped[str] = mapped_column(String(24))
    state: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(12))
    grid_code: Mapped[str | None] = mapped_column(String(15))
    h3: Mapped[int | None] = mapped_column(BigInteger)
    label: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float)
    attrs: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    raw: Mapped[str | None] = mapped_column(Text)
    pictures: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")

    __table_args__ = (
        Index("ix_camera_events_adcode_occurred_at", "adcode", "occurred_at"),
        Index(
            "ix_camera_events_adcode_grid_code_occurred_at", "adcode", "grid_code", "occurred_at"
        ),
        {"postgresql_partition_by": "RANGE (occurred_at)"},
    )


class CameraPicture(Base):
    """A picture sent with an event (ANPR plate, face, scene), stored once by content hash."""

    __tablename__ = "camera_pictures"

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    picture_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex
    camera_id: Mapped[str] = mapped_column(String(20))
    content_type: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class GridCoverage(Base):
    """Camera coverage of one grid, computed in a metric projection when cameras change:
    the share of its area inside any view sector, the blind spots, cameras by department."""

    __tablename__ = "grid_coverage"

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(15), primary_key=True)
    area_m2: Mapped[float] = mapped_column(Float)
    covered_m2: Mapped[float] = mapped_column(Float)
    share: Mapped[float] = mapped_column(Float)
    blind = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=False), nullable=True)
    cameras: Mapped[int] = mapped_column(Integer, server_default="0")
    by_department: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
