"""Liveness and database readiness; needs no key."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from gridsvc.api.deps import EngineDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Service and database health")
def healthz(engine: EngineDep) -> JSONResponse:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # report, don't raise: this is the health check
        return JSONResponse({"status": "error", "database": str(exc)[:200]}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
