"""Element ingest: upload a file with its mapping, follow the job, fetch its report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from gridsvc.api.deps import CurrentActor, CurrentPrincipal, EngineDep, SettingsDep, permitted
from gridsvc.api.params import ADCODE, MAX_ID
from gridsvc.auth import Action, Principal
from gridsvc.services import ingest_jobs
from ingest.kinds import KINDS

router = APIRouter(prefix="/api/v1/ingest", tags=["ingest"])
Ingester = Annotated[Principal, Depends(permitted(Action.INGEST_ELEMENTS, "elements.ingest"))]
Kind = Annotated[
    str, Path(pattern=f"^({'|'.join(KINDS)})$", description="Element kind: " + ", ".join(KINDS))
]
JobId = Annotated[int, Path(ge=1, le=MAX_ID, description="Ingest job id")]
FILE = "CSV (UTF-8, UTF-8 BOM, GBK/GB18030), XLSX, GeoJSON, GeoPackage or zipped Shapefile"
MAP = "Mapping file (YAML, UTF-8): kind, source, crs, encoding, sheet, fields, values, tags"


@router.post("/{kind}", status_code=202, summary="Upload a file of elements: starts a job")
async def start_ingest(
    kind: Kind,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    principal: Ingester,
    actor: CurrentActor,
    file: Annotated[UploadFile, File(description=FILE)],
    map: Annotated[UploadFile, File(description=MAP)],
    district: Annotated[str | None, Form(pattern=ADCODE)] = None,
    dry_run: Annotated[bool, Form(description="Check every row, write no element")] = False,
) -> dict:
    map_data = await map.read()
    return await run_in_threadpool(
        ingest_jobs.submit,
        engine,
        settings,
        request.app.state.ingest_runner,
        principal,
        actor,
        kind=kind,
        data=file.file,
        file_name=file.filename or "upload",
        map_data=map_data,
        district=district,
        dry_run=dry_run,
    )


@router.get("/jobs/{job_id}", summary="An ingest job: status, progress, counts, first errors")
def get_job(job_id: JobId, engine: EngineDep, principal: CurrentPrincipal) -> dict:
    return ingest_jobs.job_report(engine, principal, job_id)


@router.get(
    "/jobs/{job_id}/report.csv",
    response_class=StreamingResponse,
    summary="Every row error of an ingest job as CSV (row, field, code, message)",
    responses={200: {"content": {"text/csv": {}}}},
)
def get_job_csv(job_id: JobId, engine: EngineDep, principal: CurrentPrincipal) -> StreamingResponse:
    chunks = ingest_jobs.report_csv(engine, principal, job_id)
    headers = {"Content-Disposition": f'attachment; filename="ingest-{job_id}-errors.csv"'}
    return StreamingResponse(chunks, media_type="text/csv; charset=utf-8", headers=headers)
