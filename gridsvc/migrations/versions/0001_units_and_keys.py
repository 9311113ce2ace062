"""Unified hierarchy of units, and API keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "units",
        sa.Column("adcode", sa.String(6), nullable=False),
        sa.Column("code", sa.String(15), nullable=False),
        sa.Column("level", sa.String(9), nullable=False),
        sa.Column("parent_code", sa.String(15), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON", srid=4326, spatial_index=False
            ),
            nullable=False,
        ),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("properties", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "level IN ('district', 'street', 'community', 'grid')", name="ck_units_level"
        ),
        sa.CheckConstraint("code LIKE adcode || '%'", name="ck_units_code_in_district"),
        sa.CheckConstraint(
            "length(code) = CASE level WHEN 'district' THEN 6 WHEN 'street' THEN 9 "
            "WHEN 'community' THEN 12 ELSE 15 END",
            name="ck_units_code_length",
        ),
        sa.PrimaryKeyConstraint("adcode", "code", name="pk_units"),
    )
    op.create_index("ix_units_adcode_parent_code", "units", ["adcode", "parent_code"])
    op.create_index("ix_units_adcode_level", "units", ["adcode", "level"])
    op.create_index("ix_units_geom", "units", ["geom"], postgresql_using="gist")
    op.create_table(
        "api_keys",
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.Text(), server_default="", nullable=False),
        sa.Column("district", sa.String(6), nullable=True),
        sa.Column(
            "grid_codes", postgresql.ARRAY(sa.String(15)), server_default="{}", nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role IN ('admin', 'operator', 'grid_leader', 'integrator', 'planner')",
            name="ck_api_keys_role",
        ),
        sa.PrimaryKeyConstraint("prefix", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )


def downgrade() -> None:
    op.drop_table("api_keys")
    op.drop_index("ix_units_geom", table_name="units", postgresql_using="gist")
    op.drop_index("ix_units_adcode_level", table_name="units")
    op.drop_index("ix_units_adcode_parent_code", table_name="units")
    op.drop_table("units")
