"""The camera tables: the registry with its aliases, events partitioned by day, pictures
sent with events, and the camera coverage of grids."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gridsvc.db.models.core import Base
from gridsvc.geo import SRID

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
