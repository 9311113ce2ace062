"""Departmental layers, crosswalk, conflicts and the H3 cell index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:42:00.067198
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cell_indexes",
        sa.Column("adcode", sa.String(length=6), nullable=False),
        sa.Column("resolution", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("grids", sa.Integer(), server_default="0", nullable=False),
        sa.Column("interior_cells", sa.Integer(), server_default="0", nullable=False),
        sa.Column("boundary_cells", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "built_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("adcode", "resolution", name=op.f("pk_cell_indexes")),
    )
    op.create_geospatial_table(
        "dept_grids",
        sa.Column("adcode", sa.String(length=6), nullable=False),
        sa.Column("layer_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=True),
        sa.Column("name", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("adcode", "layer_id", "seq", name=op.f("pk_dept_grids")),
    )
    op.create_geospatial_index(
        "ix_dept_grids_geom",
        "dept_grids",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_table(
        "dept_layers",
        sa.Column("adcode", sa.String(length=6), nullable=False),
        sa.Column("layer_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("department", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), server_default="", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("status", sa.String(length=12), server_default="active", nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("crs", sa.Text(), nullable=True),
        sa.Column(
            "summary", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('departmental', 'proposal')", name=op.f("ck_dept_layers_kind")
        ),
        sa.PrimaryKeyConstraint("adcode", "layer_id", name=op.f("pk_dept_layers")),
        sa.UniqueConstraint("adcode", "kind", "department", name="uq_dept_layers_department"),
    )
    op.create_table(
        "h3_cells",
        sa.Column("adcode", sa.String(length=6), nullable=False),
        sa.Column("resolution", sa.SmallInteger(), nullable=False),
        sa.Column("cell", sa.BigInteger(), nullable=False),
        sa.Column("grid_code", sa.String(length=15), nullable=True),
        sa.Column(
            "candidates", sa.ARRAY(sa.String(length=15)), server_default="{}", nullable=False
        ),
        sa.PrimaryKeyConstraint("adcode", "resolution", "cell", name=op.f("pk_h3_cells")),
    )
    op.create_geospatial_table(
        "layer_conflicts",
        sa.Column("adcode", sa.String(length=6), nullable=False),
        sa.Column("layer_id", sa.BigInteger(), nullable=False),
        sa.Column("conflict_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("dept_codes", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column(
            "grid_codes", sa.ARRAY(sa.String(length=15)), server_default="{}", nullable=False
        ),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint(
            "adcode", "layer_id", "conflict_id", name=op.f("pk_layer_conflicts")
        ),
    )
    op.create_table(
        "layer_crosswalk",
        sa.Column("adcode", sa.String(length=6), nullable=False),
        sa.Column("layer_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("grid_code", sa.String(length=15), nullable=False),
        sa.Column("overlap_m2", sa.Float(), nullable=False),
        sa.Column("share_of_dept", sa.Float(), nullable=False),
        sa.Column("share_of_grid", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "adcode", "layer_id", "seq", "grid_code", name=op.f("pk_layer_crosswalk")
        ),
    )


def downgrade() -> None:
    op.drop_table("layer_crosswalk")
    op.drop_geospatial_table("layer_conflicts")
    op.drop_table("h3_cells")
    op.drop_table("dept_layers")
    op.drop_geospatial_index(
        "ix_dept_grids_geom", table_name="dept_grids", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("dept_grids")
    op.drop_table("cell_indexes")
