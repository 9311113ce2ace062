"""Key elements (people, places, things, organisations, situations, grid staff) and the
ingest jobs that load them, with their row errors; grid leaders' keys name their staff record.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 10:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KINDS = "('person', 'place', 'thing', 'organisation', 'situation', 'staff')"
TRIGGERS = (
    ("ins", "INSERT", "REFERENCING NEW TABLE AS new_rows"),
    ("upd", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("del", "DELETE", "REFERENCING OLD TABLE AS old_rows"),
    ("trunc", "TRUNCATE", ""),
)


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "elements",
        sa.Column("adcode", sa.String(length=6), nullable=False),
        sa.Column("element_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("grid_code", sa.String(length=15), nullable=True),
        sa.Column("h3", sa.BigInteger(), nullable=True),
        sa.Column(
            "geom",
            Geometry(geometry_type="GEOMETRY", srid=4326, spatial_index=False),
            nullable=True,
        ),
        sa.Column("tags", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("severity", sa.SmallInteger(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("household_id", sa.Text(), nullable=True),
        sa.Column("building_id", sa.Text(), nullable=True),
        sa.Column("parent_external_id", sa.Text(), nullable=True),
        sa.Column(
            "attrs", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("pii", sa.LargeBinary(), nullable=True),
        sa.Column("id_hash", sa.LargeBinary(), nullable=True),
        sa.Column("row_hash", sa.BigInteger(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint(f"kind IN {KINDS}", name=op.f("ck_elements_kind")),
        sa.CheckConstraint("geom IS NOT NULL OR kind = 'staff'", name=op.f("ck_elements_located")),
        sa.CheckConstraint("severity BETWEEN 1 AND 4", name=op.f("ck_elements_severity")),
        sa.PrimaryKeyConstraint("adcode", "element_id", name=op.f("pk_elements")),
        sa.UniqueConstraint("adcode", "kind", "source", "external_id", name="uq_elements_key"),
    )
    op.create_index(
        "ix_elements_adcode_grid_code_kind", "elements", ["adcode", "grid_code", "kind"]
    )
    op.create_index("ix_elements_adcode_h3", "elements", ["adcode", "h3"])
    op.create_index("ix_elements_geom", "elements", ["geom"], postgresql_using="gist")
    op.create_table(
        "ingest_jobs",
        sa.Column("adcode", sa.String(length=6), nullable=False),
        sa.Column("job_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_path", sa.Text(), nullable=True),
        sa.Column(
            "mapping", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("dry_run", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("status", sa.String(length=10), server_default="queued", nullable=False),
        sa.Column("rows_done", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("rows_total", sa.BigInteger(), nullable=True),
        sa.Column("bytes_done", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("bytes_total", sa.BigInteger(), nullable=True),
        sa.Column(
            "counts", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_ingest_jobs_status")
        ),
        sa.CheckConstraint(f"kind IN {KINDS}", name=op.f("ck_ingest_jobs_kind")),
        sa.PrimaryKeyConstraint("adcode", "job_id", name=op.f("pk_ingest_jobs")),
    )
    op.create_table(
        "ingest_errors",
        sa.Column("adcode", sa.String(length=6), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("row", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.SmallInteger(), nullable=False),
        sa.Column("field", sa.Text(), nullable=True),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("adcode", "job_id", "row", "seq", name=op.f("pk_ingest_errors")),
    )
    op.add_column("api_keys", sa.Column("staff_id", sa.BigInteger(), nullable=True))
    for suffix, event, referencing in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER elements_version_{suffix} AFTER {event} ON elements "
            f"{referencing} FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()"
        )


def downgrade() -> None:
    for suffix, *_ in TRIGGERS:
        op.execute(f"DROP TRIGGER elements_version_{suffix} ON elements")
    op.drop_column("api_keys", "staff_id")
    op.drop_table("ingest_errors")
    op.drop_table("ingest_jobs")
    op.drop_index("ix_elements_geom", table_name="elements", postgresql_using="gist")
    op.drop_index("ix_elements_adcode_h3", table_name="elements")
    op.drop_index("ix_elements_adcode_grid_code_kind", table_name="elements")
    op.drop_table("elements")
