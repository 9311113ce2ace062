"""The audit log over HTTP: read-only, paged, filtered."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder

from gridsvc.api.deps import EngineDep, permitted
from gridsvc.api.params import ADCODE, TEXT
from gridsvc.auth import Action, Principal
from gridsvc.repositories.audit import AuditFilter
from gridsvc.services import audit

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Auditor = Annotated[Principal, Depends(permitted(Action.READ_AUDIT))]
OBJECT = "TYPE or TYPE:ID, e.g. key:1a2b3c4d, layer:7, district:530302"


@router.get("", summary="Audit entries, newest first")
def list_entries(
    engine: EngineDep,
    principal: Auditor,
    actor: Annotated[
        str | None, Query(max_length=80, pattern=TEXT, description="Key prefix or cli:user")
    ] = None,
    action: Annotated[
        str | None, Query(max_length=40, pattern=TEXT, description="e.g. key.create")
    ] = None,
    object_: Annotated[
        str | None, Query(alias="object", max_length=80, pattern=TEXT, description=OBJECT)
    ] = None,
    district: Annotated[str | None, Query(pattern=ADCODE)] = None,
    since: Annotated[datetime | None, Query(description="ISO 8601, inclusive")] = None,
    until: Annotated[datetime | None, Query(description="ISO 8601, exclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=audit.MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict:
    object_type, object_id = audit.parse_object(object_)
    f = AuditFilter(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        district=district,
        since=since,
        until=until,
    )
    return jsonable_encoder(audit.entries(engine, principal, f, limit=limit, offset=offset))
