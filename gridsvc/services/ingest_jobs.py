"""Ingest jobs as callers see them: submit an upload (checked, stored, run in the
background), read a job and stream its report, within the caller's role and district."""

from __future__ import annotations

import csv
import io
import logging
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine

from gridsvc.auth import Action, Principal, authorize, target_district
from gridsvc.errors import InvalidInput, NotFound
from gridsvc.pii import Keyring
from gridsvc.repositories import ingest_jobs as jobs_repo
from gridsvc.services import audit
from gridsvc.services.audit import Actor
from gridsvc.services.cells import LocatorCache
from gridsvc.services.ingest import check_district, create_job, get_job, report, run_job
from gridsvc.settings import Settings
from ingest.mapfile import MappingSpec, load_mapping
from ingest.tabular import open_table

log = logging.getLogger(__name__)
MAX_MAP_BYTES = 1 << 20
CSV_COLUMNS = ("row", "field", "code", "message")


class JobRunner:
    """Runs ingest jobs in a few background threads (owned by the app's lifespan)."""

    def __init__(self, engine: Engine, keyring: Keyring, locators: LocatorCache, workers: int = 1):
        self.engine = engine
        self.keyring = keyring
        self.locators = locators
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest")

    def submit(self, job_id: int, actor: Actor | None) -> None:
        """Run the job in the background; its outcome is recorded on the job."""
        self._pool.submit(self._run, job_id, actor)

    def _run(self, job_id: int, actor: Actor | None) -> None:
        try:
            run_job(self.engine, job_id, keyring=self.keyring, locators=self.locators, actor=actor)
        except Exception:  # recorded on the job as failed, with its reason
            log.exception("ingest job %s failed", job_id)
            return
        # the upload holds personal data: gone once loaded (a failed job keeps it to resume)
        shutil.rmtree(Path(get_job(self.engine, job_id)["file_path"]).parent, ignore_errors=True)

    def close(self) -> None:
        """Wait for running jobs; jobs not started stay queued (resume them later)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def mapping_text(data: bytes) -> str:
    """The mapping file's text; InvalidInput when it is too large or not UTF-8."""
    if len(data) > MAX_MAP_BYTES:
        raise InvalidInput(f"the map file is larger than {MAX_MAP_BYTES} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"the map file is not UTF-8 (byte {exc.start} cannot be decoded): save it as UTF-8"
        ) from None


def _checked_upload(settings: Settings, data: BinaryIO, name: str, spec: MappingSpec) -> Path:
    """Store the upload in a directory of its own under GRIDSVC_HOME/ingest and open it once
    (columns, format); InvalidInput removes it again. The job's directory is
    ``GRIDSVC_HOME/ingest/<job>-<random>``, removed when the job is done."""
    name = Path(name).name
    if name in ("", ".", ".."):
        name = "upload"
    folder = settings.home.resolve() / "ingest" / f"incoming-{uuid.uuid4().hex}"
    folder.mkdir(parents=True)
    path = folder / name
    try:
        with path.open("wb") as out:
            shutil.copyfileobj(data, out, 1 << 20)
        open_table(path, spec)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


def submit(
    engine: Engine,
    settings: Settings,
    runner: JobRunner,
    principal: Principal,
    actor: Actor | None,
    *,
    kind: str,
    data: BinaryIO,
    file_name: str,
    map_data: bytes,
    district: str | None = None,
    dry_run: bool = False,
) -> dict:
    """Check the mapping and the file, store the file, queue the job; returns its report."""
    authorize(principal, Action.INGEST_ELEMENTS)
    adcode = target_district(principal, district, settings.default_district)
    with audit.audited(engine, actor, "elements.ingest", district=adcode):
        spec = load_mapping(mapping_text(map_data), kind=kind)
        check_district(engine, runner.locators, adcode)
        path = _checked_upload(settings, data, file_name, spec)
        job_id = create_job(
            engine, spec, path, adcode=adcode, file_name=path.name, dry_run=dry_run, actor=actor
        )
        final = path.parent.parent / f"{job_id}-{uuid.uuid4().hex[:8]}"
        path.parent.rename(final)
        with engine.begin() as conn:
            jobs_repo.set_values(conn, adcode, job_id, file_path=str(final / path.name))
    runner.submit(job_id, actor)
    return report(engine, job_id)


def visible_job(engine: Engine, principal: Principal, job_id: int) -> dict:
    """The job when the caller may see it; NotFound for another district's job."""
    authorize(principal, Action.INGEST_ELEMENTS)
    try:
        job = get_job(engine, job_id)
    except NotFound:
        raise NotFound(f"no ingest job {job_id}") from None
    if principal.district and job["adcode"] != principal.district:
        raise NotFound(f"no ingest job {job_id}")
    return job


def job_report(engine: Engine, principal: Principal, job_id: int) -> dict:
    """The report of a job the caller may see (first errors only)."""
    visible_job(engine, principal, job_id)
    return report(engine, job_id)


def report_csv(engine: Engine, principal: Principal, job_id: int) -> Iterator[str]:
    """Every error of the job as CSV text chunks (UTF-8 BOM first, for spreadsheets)."""
    job = visible_job(engine, principal, job_id)
    return _csv_chunks(engine, job["adcode"], job_id)


def _csv_chunks(engine: Engine, adcode: str, job_id: int, rows: int = 5000) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    buf.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    with engine.connect() as conn:
        for i, error in enumerate(jobs_repo.stream_errors(conn, adcode, job_id), 1):
            writer.writerow(error)
            if i % rows == 0:
                yield _drain(buf)
    yield _drain(buf)


def _drain(buf: io.StringIO) -> str:
    text = buf.getvalue()
    buf.seek(0)
    buf.truncate()
    return text
