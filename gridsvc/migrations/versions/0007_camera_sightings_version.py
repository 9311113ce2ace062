"""Camera sightings do not move the data version: the cameras UPDATE trigger bumps it only
when a row's registry record (``updated_at``), status or alarms changed. Under a stream of
events every batch updates ``last_seen``; bumping on that re-drew every map tile of the
district each second.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BUMP_CAMERAS = """
CREATE FUNCTION bump_camera_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  touched text[];
BEGIN
  SELECT array_agg(DISTINCT n.adcode) INTO touched
    FROM new_rows AS n
    LEFT JOIN old_rows AS o USING (adcode, device_id)
   WHERE o.device_id IS NULL
      OR n.updated_at IS DISTINCT FROM o.updated_at
      OR n.status IS DISTINCT FROM o.status
      OR n.alarms IS DISTINCT FROM o.alarms;
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
UPDATE_TRIGGER = (
    "CREATE TRIGGER cameras_version_upd AFTER UPDATE ON cameras "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION {}()"
)


def upgrade() -> None:
    op.execute(BUMP_CAMERAS)
    op.execute("DROP TRIGGER cameras_version_upd ON cameras")
    op.execute(UPDATE_TRIGGER.format("bump_camera_version"))


def downgrade() -> None:
    op.execute("DROP TRIGGER cameras_version_upd ON cameras")
    op.execute(UPDATE_TRIGGER.format("bump_data_version"))
    op.execute("DROP FUNCTION bump_camera_version()")
