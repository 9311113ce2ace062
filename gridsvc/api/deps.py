"""Typed dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from gridsvc.auth import Principal, parse_bearer
from gridsvc.services.cells import LocatorCache
from gridsvc.settings import Settings


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_locators(request: Request) -> LocatorCache:
    return request.app.state.locators


EngineDep = Annotated[Engine, Depends(get_engine)]
LocatorsDep = Annotated[LocatorCache, Depends(get_locators)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def current_principal(request: Request, engine: EngineDep) -> Principal:
    """The caller, from ``Authorization: Bearer KEY``; 401 without a valid key."""
    key = parse_bearer(request.headers.get("authorization"))
    return request.app.state.principals.principal(engine, key)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
