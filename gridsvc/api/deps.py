"""Typed dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from gridsvc import sessions
from gridsvc.auth import Action, Principal, authorize, parse_bearer
from gridsvc.errors import Unauthorized
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
    """The caller, from ``Authorization: Bearer KEY`` or a login session cookie; else 401."""
    principals = request.app.state.principals
    header = request.headers.get("authorization")
    token = request.cookies.get(sessions.COOKIE)
    if token and not header:
        prefix = sessions.verify(token, request.app.state.session_secret)
        if prefix is None:
            raise Unauthorized("the login session has expired or is invalid: log in again")
        return principals.session(engine, prefix)
    return principals.principal(engine, parse_bearer(header))


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def importer(principal: CurrentPrincipal) -> Principal:
    """The caller, when its role may import and change data (checked before the body is)."""
    authorize(principal, Action.IMPORT_UNITS)
    return principal


Importer = Annotated[Principal, Depends(importer)]
