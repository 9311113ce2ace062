"""Ingest jobs and their row errors: create, progress in the batch's transaction, finish,
read back and stream."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, func, insert, select, update

from gridsvc.db.models import IngestError, IngestJob
from gridsvc.repositories.elements import copy_csv

JOB = IngestJob.__table__
ERRORS = IngestError.__table__
ERROR_COLUMNS = ("adcode", "job_id", "row", "seq", "field", "code", "message")


def create(conn: Connection, **values: Any) -> int:
    """Insert a queued job; returns its id."""
    return conn.execute(insert(JOB).values(**values).returning(JOB.c.job_id)).scalar_one()


def get(conn: Connection, job_id: int) -> dict | None:
    """The job's row as a dict, or None."""
    row = conn.execute(select(JOB).where(JOB.c.job_id == job_id)).mappings().first()
    return dict(row) if row else None


def set_values(conn: Connection, adcode: str, job_id: int, **values: Any) -> None:
    """Update some columns of a job (``updated_at`` too)."""
    stmt = update(JOB).where(JOB.c.adcode == adcode, JOB.c.job_id == job_id)
    conn.execute(stmt.values(**values, updated_at=func.now()))


def progress(
    conn: Connection, adcode: str, job_id: int, *, rows_done: int, bytes_done: int, counts: dict
) -> None:
    """Record a committed batch: rows up to ``rows_done`` are written, with these counts."""
    set_values(conn, adcode, job_id, rows_done=rows_done, bytes_done=bytes_done, counts=counts)


def add_errors(conn: Connection, adcode: str, job_id: int, errors: Sequence) -> None:
    """COPY row errors (objects with row, field, code, message; sorted by row) into the job."""
    if not errors:
        return
    rows = [e.row for e in errors]
    seq, last, n = [], None, 0
    for r in rows:
        n = n + 1 if r == last else 0
        seq.append(n)
        last = r
    payload = pa.table(
        {
            "adcode": pa.array([adcode] * len(rows), pa.string()),
            "job_id": pa.array([job_id] * len(rows), pa.int64()),
            "row": pa.array(rows, pa.int64()),
            "seq": pa.array(seq, pa.int16()),
            "field": pa.array([e.field for e in errors], pa.string()),
            "code": pa.array([e.code for e in errors], pa.string()),
            "message": pa.array([e.message for e in errors], pa.string()),
        }
    )
    copy_csv(conn, "ingest_errors", ERROR_COLUMNS, payload)


def first_errors(conn: Connection, adcode: str, job_id: int, limit: int) -> list[dict]:
    """The job's first ``limit`` errors by row."""
    stmt = (
        select(ERRORS.c.row, ERRORS.c.field, ERRORS.c.code, ERRORS.c.message)
        .where(ERRORS.c.adcode == adcode, ERRORS.c.job_id == job_id)
        .order_by(ERRORS.c.row, ERRORS.c.seq)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def count_errors(conn: Connection, adcode: str, job_id: int) -> int:
    """How many errors the job recorded."""
    stmt = select(func.count()).where(ERRORS.c.adcode == adcode, ERRORS.c.job_id == job_id)
    return int(conn.execute(stmt).scalar_one())


def stream_errors(
    conn: Connection, adcode: str, job_id: int, chunk: int = 5000
) -> Iterator[tuple[int, str | None, str, str]]:
    """Every error of the job by row, fetched ``chunk`` at a time."""
    stmt = (
        select(ERRORS.c.row, ERRORS.c.field, ERRORS.c.code, ERRORS.c.message)
        .where(ERRORS.c.adcode == adcode, ERRORS.c.job_id == job_id)
        .order_by(ERRORS.c.row, ERRORS.c.seq)
        .execution_options(yield_per=chunk)
    )
    for r in conn.execute(stmt):
        yield r[0], r[1], r[2], r[3]
