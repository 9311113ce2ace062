"""Element ingest jobs: create, run batch by batch (each batch one transaction with its
errors and the job's progress), resume after a failure, report.

One job at a time per (district, kind, source): the runner holds a session advisory lock on
its connection. The next batch is prepared in a thread while the current one is written, so
reading, hashing, normalising, locating and sealing overlap the database's merge. A batch
either commits whole (elements, errors, ``rows_done``) or not at all: a failure leaves every
committed batch, and ``resume`` starts after ``rows_done``.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, func, text

from gridsvc.errors import Conflict, NotFound
from gridsvc.pii import Keyring
from gridsvc.repositories import elements as elements_repo
from gridsvc.repositories import ingest_jobs as jobs_repo
from gridsvc.services import audit
from gridsvc.services.audit import Actor
from gridsvc.services.cells import LocatorCache
from gridsvc.services.ingest_batch import (
    JobContext,
    Prepared,
    check_district,
    prepared_batches,
)
from gridsvc.services.ingest_keys import PendingStored, StoredRows, hash_key
from ingest.mapfile import MappingSpec
from ingest.tabular import open_table

BATCH_ROWS = 100_000
REPORT_ERRORS = 100
COUNTS = ("rows", "accepted", "rejected", "inserted", "updated", "unchanged")
Progress = Callable[[dict], None]


def create_job(
    engine: Engine,
    spec: MappingSpec,
    path: Path,
    *,
    adcode: str,
    file_name: str | None = None,
    dry_run: bool = False,
    actor: Actor | None = None,
) -> int:
    """Record a queued job for ``path``; returns its id."""
    with engine.begin() as conn:
        return jobs_repo.create(
            conn,
            adcode=adcode,
            kind=spec.kind,
            source=spec.source,
            file_name=file_name or path.name,
            file_path=str(path.resolve()),
            mapping=spec.to_dict(),
            dry_run=dry_run,
            bytes_total=path.stat().st_size,
            counts=dict.fromkeys(COUNTS, 0),
            actor=(actor or audit.cli_actor()).name,
        )


def get_job(engine: Engine, job_id: int) -> dict:
    """The job's row; NotFound when there is none."""
    with engine.connect() as conn:
        job = jobs_repo.get(conn, job_id)
    if job is None:
        raise NotFound(f"no ingest job {job_id}")
    return job


def run_job(
    engine: Engine,
    job_id: int,
    *,
    keyring: Keyring,
    locators: LocatorCache,
    actor: Actor | None = None,
    batch_rows: int = BATCH_ROWS,
    on_progress: Progress | None = None,
) -> dict:
    """Run (or resume) a job to its end; returns its report. A failure marks the job failed
    with its reason, keeps the committed batches, and is raised again."""
    job = get_job(engine, job_id)
    if job["status"] == "done":
        raise Conflict(f"ingest job {job_id} is already done; nothing to resume")
    with engine.connect() as conn:
        try:
            _lock(conn, job)
        except Conflict as exc:
            _fail(engine, job, exc, actor)
            raise
        try:
            _run(conn, engine, job, keyring, locators, actor, batch_rows, on_progress)
        except BaseException as exc:
            conn.rollback()
            _fail(engine, job, exc, actor)
            raise
        finally:
            _unlock(conn, job)
    return report(engine, job_id)


def _lock_key(job: dict) -> str:
    return f"ingest/{job['adcode']}/{job['kind']}/{job['source']}"


def _lock(conn: Connection, job: dict) -> None:
    """Take the (district, kind, source) session lock; Conflict while another job holds it."""
    query = text("SELECT pg_try_advisory_lock(hashtextextended(:k, 0))")
    got = conn.execute(query, {"k": _lock_key(job)}).scalar_one()
    conn.commit()
    if not got:
        raise Conflict(
            f"another ingest of {job['kind']} from source '{job['source']}' into district "
            f"{job['adcode']} is running; try again when it ends"
        )


def _unlock(conn: Connection, job: dict) -> None:
    with contextlib.suppress(Exception):  # a broken connection has lost the lock already
        conn.rollback()
        conn.execute(
            text("SELECT pg_advisory_unlock(hashtextextended(:k, 0))"), {"k": _lock_key(job)}
        )
        conn.commit()


def _context(engine, job, keyring, locators) -> JobContext:  # type: ignore[no-untyped-def]
    adcode = job["adcode"]
    area = check_district(engine, locators, adcode)
    key = hash_key(keyring, job["mapping"])

    def stored() -> StoredRows:
        with engine.connect() as own:
            return StoredRows(
                elements_repo.existing_keys(own, adcode, job["kind"], job["source"]), key
            )

    spec = MappingSpec.from_dict(job["mapping"])
    return JobContext(
        engine,
        adcode,
        spec,
        area,
        keyring,
        locators,
        key,
        PendingStored(stored),
        resume_after=int(job["rows_done"]),
    )


def _run(conn, engine, job, keyring, locators, actor, batch_rows, on_progress) -> None:  # type: ignore[no-untyped-def]
    adcode, job_id = job["adcode"], job["job_id"]
    spec = MappingSpec.from_dict(job["mapping"])
    table = open_table(Path(job["file_path"]), spec, batch_rows=batch_rows)
    ctx = _context(engine, job, keyring, locators)
    with conn.begin():
        jobs_repo.set_values(
            conn,
            adcode,
            job_id,
            status="running",
            error=None,
            bytes_total=table.bytes_total,
            rows_total=table.rows_total,
        )
    counts = Counter({k: int(job["counts"].get(k, 0)) for k in COUNTS})
    with contextlib.closing(prepared_batches(ctx, table.batches())) as batches:
        for batch in batches:
            if batch.last_row <= ctx.resume_after:
                continue
            with conn.begin():
                _write(conn, job, batch, counts)
            if on_progress:
                on_progress(
                    {
                        "rows_done": batch.last_row,
                        "bytes_done": batch.bytes_done,
                        "bytes_total": table.bytes_total,
                        **counts,
                    }
                )
    with conn.begin():
        jobs_repo.set_values(conn, adcode, job_id, status="done", finished_at=func.now())
        audit.record(
            conn,
            actor,
            "elements.ingest",
            object_type="ingest_job",
            object_ids=[job_id],
            district=adcode,
            outcome="dry_run" if job["dry_run"] else "ok",
            detail={"kind": job["kind"], "source": job["source"], **counts},
        )


def _write(conn: Connection, job: dict, batch: Prepared, counts: Counter) -> None:
    """One batch's transaction: merge, errors, progress."""
    conn.execute(text("SET LOCAL synchronous_commit = off"))  # progress commits with the data
    c = batch.counts
    inserted, updated = c["new"], c["changed"]
    if batch.payload is not None and not job["dry_run"]:
        inserted, updated = elements_repo.merge(
            conn,
            adcode=job["adcode"],
            kind=job["kind"],
            source=job["source"],
            job_id=job["job_id"],
            payload=batch.payload,
            attrs=batch.attrs,
        )
    sent = c["new"] + c["changed"]
    counts.update(
        rows=c["rows"],
        accepted=c["accepted"],
        rejected=c["rejected"],
        inserted=inserted,
        updated=updated,
        unchanged=c["unchanged"] + sent - inserted - updated,
    )
    jobs_repo.add_errors(conn, job["adcode"], job["job_id"], batch.errors)
    jobs_repo.progress(
        conn,
        job["adcode"],
        job["job_id"],
        rows_done=batch.last_row,
        bytes_done=batch.bytes_done,
        counts=dict(counts),
    )


def _fail(engine: Engine, job: dict, exc: BaseException, actor: Actor | None) -> None:
    """Mark the job failed with its reason (its committed batches stay) and audit it."""
    reason = getattr(exc, "detail", None) or f"{type(exc).__name__}: {exc}"
    reason = str(reason)[:2000]
    with engine.begin() as conn:
        jobs_repo.set_values(
            conn,
            job["adcode"],
            job["job_id"],
            status="failed",
            error=reason,
            finished_at=func.now(),
        )
        audit.record(
            conn,
            actor,
            "elements.ingest",
            object_type="ingest_job",
            object_ids=[job["job_id"]],
            district=job["adcode"],
            outcome="rejected",
            detail={"reason": reason[:300]},
        )


def report(engine: Engine, job_id: int, *, errors: int | None = REPORT_ERRORS) -> dict:
    """The job's report: status, counts, progress and its first ``errors`` errors (None: all)."""
    job = get_job(engine, job_id)
    with engine.connect() as conn:
        total = jobs_repo.count_errors(conn, job["adcode"], job_id)
        limit = total if errors is None else errors
        found = jobs_repo.first_errors(conn, job["adcode"], job_id, limit) if limit else []
    counts = job["counts"] or {}
    return {
        "job": job_id,
        "status": job["status"],
        "kind": job["kind"],
        "source": job["source"],
        "district": job["adcode"],
        "dry_run": job["dry_run"],
        "file_name": job["file_name"],
        **{k: int(counts.get(k, 0)) for k in COUNTS},
        "rows_done": job["rows_done"],
        "rows_total": job["rows_total"],
        "bytes_done": job["bytes_done"],
        "bytes_total": job["bytes_total"],
        "error": job["error"],
        "created_at": job["created_at"],
        "finished_at": job["finished_at"],
        "errors_total": total,
        "errors": found,
    }
