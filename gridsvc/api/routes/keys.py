"""API keys over HTTP: create (the key is shown once), list (never hashes), revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from gridsvc.api.deps import CurrentActor, EngineDep, PrincipalsDep, permitted
from gridsvc.api.params import ADCODE, GRID_CODE, MAX_ID, TEXT
from gridsvc.auth import Action, Principal, Role
from gridsvc.services import keys

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])
Creator = Annotated[Principal, Depends(permitted(Action.MANAGE_KEYS, "key.create"))]
Reader = Annotated[Principal, Depends(permitted(Action.MANAGE_KEYS))]
Revoker = Annotated[Principal, Depends(permitted(Action.MANAGE_KEYS, "key.revoke"))]
Prefix = Annotated[str, Path(pattern=r"^[0-9a-f]{8}$", description="The key's 8-hex prefix")]


class NewKey(BaseModel):
    """What a new key may do: its role, a label, and optionally a district and grids."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    name: str = Field(
        default="", max_length=200, pattern=TEXT, description="A label, e.g. the client system"
    )
    district: str | None = Field(default=None, pattern=ADCODE)
    grids: list[Annotated[str, Field(pattern=GRID_CODE)]] = Field(
        default_factory=list, max_length=1000, description="Grid codes of a grid_leader key"
    )
    staff_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="A grid_leader key's staff element (kind staff, role grid_leader): "
        "its grid and district come from that record",
    )
    integrator: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        pattern=TEXT,
        description="An integrator key's integrator: it pushes events for that one's cameras",
    )


class KeyInfo(BaseModel):
    prefix: str
    role: str
    name: str
    district: str | None
    grid_codes: list[str]
    staff_id: int | None = None
    integrator: str | None = None
    created_at: datetime
    revoked_at: datetime | None


class CreatedKey(KeyInfo):
    key: str = Field(description="The key itself: shown this once, never stored")


@router.post("", status_code=201, summary="Create an API key (shown once)")
def create_key(
    body: NewKey, engine: EngineDep, principal: Creator, actor: CurrentActor
) -> CreatedKey:
    key, prefix = keys.create_for(
        engine,
        principal,
        actor,
        body.role.value,
        name=body.name,
        district=body.district,
        grids=body.grids,
        staff=keys.StaffRef(element_id=body.staff_id) if body.staff_id else None,
        integrator=body.integrator,
    )
    return CreatedKey(key=key, **keys.get_for(engine, principal, prefix))


@router.get("", summary="API keys (never their hashes)")
def list_keys(engine: EngineDep, principal: Reader) -> dict[str, list[KeyInfo]]:
    return {"keys": [KeyInfo(**k) for k in keys.list_for(engine, principal)]}


@router.delete("/{prefix}", summary="Revoke an API key and end its login sessions")
async def revoke_key(
    prefix: Prefix,
    engine: EngineDep,
    principal: Revoker,
    actor: CurrentActor,
    principals: PrincipalsDep,
) -> dict:
    return await run_in_threadpool(
        keys.revoke_key, engine, prefix, principal=principal, actor=actor, cache=principals
    )
