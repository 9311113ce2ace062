"""Typed dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from gridsvc import csrf, sessions
from gridsvc.auth import (
    BASIC_KEY_PATHS,
    Action,
    Principal,
    authorize,
    parse_basic_key,
    parse_bearer,
)
from gridsvc.errors import Forbidden, Unauthorized
from gridsvc.pii import Keyring
from gridsvc.services import audit
from gridsvc.services.audit import Actor
from gridsvc.services.camera_directory import CameraDirectory
from gridsvc.services.cells import LocatorCache
from gridsvc.services.keys import PrincipalCache
from gridsvc.settings import Settings


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_locators(request: Request) -> LocatorCache:
    return request.app.state.locators


def get_principals(request: Request) -> PrincipalCache:
    return request.app.state.principals


def get_keyring(request: Request) -> Keyring:
    return request.app.state.keyring


def get_cameras(request: Request) -> CameraDirectory:
    return request.app.state.cameras


EngineDep = Annotated[Engine, Depends(get_engine)]
KeyringDep = Annotated[Keyring, Depends(get_keyring)]
LocatorsDep = Annotated[LocatorCache, Depends(get_locators)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
PrincipalsDep = Annotated[PrincipalCache, Depends(get_principals)]
CamerasDep = Annotated[CameraDirectory, Depends(get_cameras)]


def client_address(request: Request) -> str | None:
    """The caller's address (X-Forwarded-For counts only from a trusted proxy)."""
    settings: Settings = request.app.state.settings
    peer = request.client.host if request.client else None
    forwarded_for = request.headers.get("x-forwarded-for")
    return csrf.client_address(peer, forwarded_for, settings.trusted_proxy_set)


def uses_https(request: Request) -> bool:
    """Whether the browser reached us over HTTPS (directly or through a trusted proxy)."""
    settings: Settings = request.app.state.settings
    peer = request.client.host if request.client else None
    proto = request.headers.get("x-forwarded-proto")
    return csrf.is_https(request.url.scheme, proto, peer, settings.trusted_proxy_set)


def check_same_origin(request: Request) -> None:
    """Forbidden (naming why) for a state-changing request that did not come from this site."""
    settings: Settings = request.app.state.settings
    reason = csrf.cross_site_reason(
        request.method,
        request.headers.get("origin"),
        request.headers.get("referer"),
        request.headers.get("host", ""),
        "https" if uses_https(request) else "http",
        settings.trusted_origin_list,
    )
    if reason:
        raise Forbidden(reason)


def current_principal(request: Request, engine: EngineDep) -> Principal:
    """The caller, from ``Authorization: Bearer KEY`` or a login session cookie; else 401.

    On ``BASIC_KEY_PATHS`` (camera pushes) the key may also be the Basic auth password;
    sent by a browser from a page, such a request must come from this site too.

    A state-changing request carried by the cookie must come from this site (403 otherwise).
    """
    principals: PrincipalCache = request.app.state.principals
    header = request.headers.get("authorization")
    token = request.cookies.get(sessions.COOKIE)
    if token and not header:
        check_same_origin(request)
        id_hash = sessions.verify(token, request.app.state.session_secret)
        if id_hash is None:
            raise Unauthorized("the login session has expired or is invalid: log in again")
        return principals.session(engine, id_hash, client_address(request))
    basic = parse_basic_key(header) if request.url.path in BASIC_KEY_PATHS else None
    if basic and _from_a_page(request):
        check_same_origin(request)  # a browser replays Basic credentials on forged posts
    return principals.principal(engine, basic or parse_bearer(header))


def _from_a_page(request: Request) -> bool:
    """Whether a browser sent the request from a page (devices send neither header)."""
    fetch_site = request.headers.get("sec-fetch-site", "none").lower()
    return "origin" in request.headers or fetch_site not in ("none", "same-origin")


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def current_actor(request: Request, principal: CurrentPrincipal) -> Actor:
    """The caller as the audit log names it: key prefix, role and address."""
    return Actor.of(principal, client_address(request))


CurrentActor = Annotated[Actor, Depends(current_actor)]


def permitted(action: Action, audit_as: str | None = None) -> Callable[..., Principal]:
    """A dependency: the caller when its role allows ``action``, else 403 before the body is
    read; a refusal of an audited action (``audit_as``, e.g. ``key.create``) is recorded."""

    def dependency(
        principal: CurrentPrincipal, actor: CurrentActor, engine: EngineDep
    ) -> Principal:
        try:
            authorize(principal, action)
        except Forbidden as exc:
            if audit_as:
                detail = {"status": exc.status, "reason": exc.detail}
                audit.record(engine, actor, audit_as, outcome="refused", detail=detail)
            raise
        return principal

    return dependency
