"""The key elements (people, places, things, organisations, situations, grid staff) and the
ingest jobs that load them, with their row errors."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Identity,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gridsvc.db.models.core import Base
from gridsvc.geo import SRID

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
