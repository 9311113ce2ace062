"""Cameras: the GB/T 28181 registry with view sectors and aliases, camera events in a
table partitioned by day, the pictures sent with events, per-grid coverage; integrator
keys name the integrator whose cameras they push for.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 06:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TRIGGERS = (
    ("ins", "INSERT", "REFERENCING NEW TABLE AS new_rows"),
    ("upd", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("del", "DELETE", "REFERENCING OLD TABLE AS old_rows"),
    ("trunc", "TRUNCATE", ""),
)
VERSIONED = ("cameras", "grid_coverage")


def _now() -> sa.TextClause:
    return sa.text("now()")


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
    ]


def _cameras() -> None:
    op.create_table(
        "cameras",
        sa.Column("adcode", sa.String(length=6), nullable=False),
        sa.Column("device_id", sa.String(length=20), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("department", sa.Text(), nullable=False),
        sa.Column("integrator", sa.Text(), nullable=True),
        sa.Column("parent_id", sa.String(length=20), nullable=True),
        sa.Column("device_type", sa.String(length=3), nullable=False),
        sa.Column("source", sa.Text(), server_default="api", nullable=False),
        sa.Column("manufacturer", sa.Text(), nullable=True),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("civil_code", sa.String(length=20), nullable=True),
        sa.Column(
            "geom", Geometry(geometry_type="POINT", srid=4326, spatial_index=False), nullable=True
        ),
        sa.Column("grid_code", sa.String(length=15), nullable=True),
        sa.Column("h3", sa.BigInteger(), nullable=True),
        sa.Column("height_m", sa.Float(), nullable=True),
        sa.Column("heading_deg", sa.Float(), nullable=True),
        sa.Column("fov_deg", sa.Float(), nullable=True),
        sa.Column("range_m", sa.Float(), nullable=True),
        sa.Column(
            "sector",
            Geometry(geometry_type="POLYGON", srid=4326, spatial_index=False),
            nullable=True,
        ),
        sa.Column("ptz_type", sa.SmallInteger(), nullable=True),
        sa.Column(
            "streams", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("tags", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("aliases", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column(
            "attrs", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("status", sa.String(length=10), server_default="never_seen", nullable=False),
        sa.Column(
            "status_since", sa.DateTime(timezone=True), server_default=_now(), nullable=False
        ),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seen_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("alarms", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        *_stamps(),
        sa.CheckConstraint(
            "status IN ('online', 'offline', 'never_seen')", name=op.f("ck_cameras_status")
        ),
        sa.CheckConstraint("ptz_type BETWEEN 1 AND 4", name=op.f("ck_cameras_ptz_type")),
        sa.PrimaryKeyConstraint("adcode", "device_id", name=op.f("pk_cameras")),
    )
    op.create_index("ix_cameras_adcode_grid_code", "cameras", ["adcode", "grid_code"])
    op.create_index("ix_cameras_adcode_parent_id", "cameras", ["adcode", "parent_id"])
    op.create_index("ix_cameras_geom", "cameras", ["geom"], postgresql_using="gist")
    op.create_index("ix_cameras_sector", "cameras", ["sector"], postgresql_using="gist")
    op.create_table(
        "camera_aliases",
        sa.Column("adcode", sa.String(length=6), nullable=False),
        sa.Column("alias", sa.Text(), nullable=False),
        sa.Column("device_id", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("adcode", "alias", name=op.f("pk_camera_aliases")),
    )
    op.create_index("ix_camera_aliases_adcode_device_id", "camera_aliases", ["adcode", "device_id"])


def _events() -> None:
    op.create_table(
        "camera_events",
        sa.Column("adcode", sa.String(length=6), nullable=False),
        sa.Column("camera_id", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("type", sa.String(length=24), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=True),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("grid_code", sa.String(length=15), nullable=True),
        sa.Column("h3", sa.BigInteger(), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column(
            "attrs", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("pictures", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.PrimaryKeyConstraint(
            "adcode", "camera_id", "occurred_at", "event_id", name=op.f("pk_camera_events")
        ),
        postgresql_partition_by="RANGE (occurred_at)",
    )
    op.create_index(
        "ix_camera_events_adcode_occurred_at", "camera_events", ["adcode", "occurred_at"]
    )
    op.create_index(
        "ix_camera_events_adcode_grid_code_occurred_at",
        "camera_events",
        ["adcode", "grid_code", "occurred_at"],
    )
    op.create_table(
        "camera_pictures",
        sa.Column("adcode", sa.String(length=6), nullable=False),
        sa.Column("picture_id", sa.String(length=64), nullable=False),
        sa.Column("camera_id", sa.String(length=20), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("adcode", "picture_id", name=op.f("pk_camera_pictures")),
    )


def _coverage() -> None:
    op.create_table(
        "grid_coverage",
        sa.Column("adcode", sa.String(length=6), nullable=False),
        sa.Column("grid_code", sa.String(length=15), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("covered_m2", sa.Float(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column(
            "blind",
            Geometry(geometry_type="MULTIPOLYGON", srid=4326, spatial_index=False),
            nullable=True,
        ),
        sa.Column("cameras", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "by_department",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("adcode", "grid_code", name=op.f("pk_grid_coverage")),
    )


def upgrade() -> None:
    _cameras()
    _events()
    _coverage()
    op.add_column("api_keys", sa.Column("integrator", sa.Text(), nullable=True))
    for table in VERSIONED:
        for suffix, event, referencing in TRIGGERS:
            op.execute(
                f"CREATE TRIGGER {table}_version_{suffix} AFTER {event} ON {table} "
                f"{referencing} FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()"
            )


def downgrade() -> None:
    for table in VERSIONED:
        for suffix, *_ in TRIGGERS:
            op.execute(f"DROP TRIGGER {table}_version_{suffix} ON {table}")
    op.drop_column("api_keys", "integrator")
    op.drop_table("grid_coverage")
    op.drop_table("camera_pictures")
    op.drop_table("camera_events")  # drops its partitions
    op.drop_table("camera_aliases")
    op.drop_table("cameras")
