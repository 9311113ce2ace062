"""The schema comes only from Alembic, and Alembic matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from gridsvc.db.models import Base


def test_autogenerate_finds_nothing_to_add(engine: Engine) -> None:
    from geoalchemy2 import alembic_helpers

    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": alembic_helpers.include_object,
                "include_name": lambda name, type_, parent: (
                    type_ != "table" or name in Base.metadata.tables
                ),
            },
        )
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_every_district_table_carries_adcode(engine: Engine) -> None:
    insp = inspect(engine)
    reference = {"api_keys", "login_sessions", "audit_log"}
    for table in Base.metadata.tables:
        if table in reference:
            continue
        pk = insp.get_pk_constraint(table)["constrained_columns"]
        assert pk[0] == "adcode", table
