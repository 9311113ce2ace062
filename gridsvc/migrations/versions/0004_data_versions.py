"""Data versions per district and table, bumped by statement-level triggers.

Every INSERT, UPDATE, DELETE (and COPY, which fires the INSERT triggers) on a table that
maps and locate depend on bumps ``data_versions(adcode, table_name)`` for each district the
statement touched, inside the writing transaction: the new version becomes visible exactly
when the data do. TRUNCATE bumps every district known for the table. Rows an upsert left
alone are in no transition table, so re-importing the same file changes no version.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-28 08:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("units", "dept_layers", "dept_grids", "layer_crosswalk", "layer_conflicts", "h3_cells")

BUMP = """
CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  touched text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT adcode) INTO touched FROM new_rows;
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(DISTINCT adcode) INTO touched
      FROM (SELECT adcode FROM new_rows UNION SELECT adcode FROM old_rows) AS t;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT adcode) INTO touched FROM old_rows;
  ELSE
    SELECT array_agg(adcode) INTO touched FROM data_versions WHERE table_name = TG_TABLE_NAME;
  END IF;
  IF touched IS NOT NULL THEN
    INSERT INTO data_versions AS d (adcode, table_name, version, changed_at)
    SELECT a, TG_TABLE_NAME, 1, clock_timestamp() FROM unnest(touched) AS a ORDER BY a
    ON CONFLICT (adcode, table_name)
    DO UPDATE SET version = d.version + 1, changed_at = excluded.changed_at;
  END IF;
  RETURN NULL;
END
$$
"""

TRIGGERS = (
    ("ins", "INSERT", "REFERENCING NEW TABLE AS new_rows"),
    ("upd", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("del", "DELETE", "REFERENCING OLD TABLE AS old_rows"),
    ("trunc", "TRUNCATE", ""),
)


def upgrade() -> None:
    op.create_table(
        "data_versions",
        sa.Column("adcode", sa.String(length=6), nullable=False),
        sa.Column("table_name", sa.String(length=63), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("adcode", "table_name", name=op.f("pk_data_versions")),
    )
    op.execute(BUMP)
    for table in TABLES:
        for suffix, event, referencing in TRIGGERS:
            op.execute(
                f"CREATE TRIGGER {table}_version_{suffix} AFTER {event} ON {table} "
                f"{referencing} FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()"
            )


def downgrade() -> None:
    for table in TABLES:
        for suffix, *_ in TRIGGERS:
            op.execute(f"DROP TRIGGER {table}_version_{suffix} ON {table}")
    op.execute("DROP FUNCTION bump_data_version()")
    op.drop_table("data_versions")
