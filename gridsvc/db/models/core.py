"""The declarative base and the core tables: units of the grid hierarchy, keys, sessions,
the audit log, departmental layers, the H3 cell index and the data versions."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
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
