"""The command map pages (一图知全域), local basemap tiles and the map's static files.

``GET /map`` is the operator's view of the whole district, ``GET /map/grid/{code}`` a grid
leader's own grid (other grids are not drawn for it). Both need a key (session cookie or
Bearer header); a browser without one is sent to the login form.
"""

from __future__ import annotations

import html
import logging
import pathlib
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from shapely.geometry import shape
from sqlalchemy import Engine
from starlette.types import Scope

from gridsvc.api import problems
from gridsvc.api.deps import CurrentPrincipal, EngineDep, SettingsDep, current_principal
from gridsvc.auth import PERMISSIONS, Action, Principal, Role, authorize, require_unit
from gridsvc.errors import GridsvcError, NotFound, Unauthorized
from gridsvc.repositories import layers as layers_repo
from gridsvc.repositories import units as units_repo
from gridsvc.services import units
from gridsvc.settings import Settings
from maps import assets
from maps.basemap import cached_basemap, media_type, read_tile
from maps.render import PageContext, render_page
from maps.tiles import MAX_ZOOM

router = APIRouter(tags=["map"], include_in_schema=False)
logger = logging.getLogger(__name__)
NO_STORE = {"Cache-Control": "no-store"}
GRID_CODE = r"^\d{6,15}$"


def optional_principal(request: Request, engine: EngineDep) -> Principal | None:
    """The caller, or None when the request carries no valid key or session."""
    try:
        return current_principal(request, engine)
    except Unauthorized:
        return None


MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]
Lang = Annotated[str | None, Query(description="zh-CN (default) or en")]


def _locale(lang: str | None) -> str:
    return "en" if (lang or "").lower().startswith("en") else "zh-CN"


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


ERROR_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{status} · gridsvc</title><style>body{{font-family:system-ui,"Noto Sans CJK SC",
"WenQuanYi Micro Hei",sans-serif;background:#07111f;color:#dbe7f5;display:flex;
align-items:center;justify-content:center;height:100vh;margin:0}}main{{max-width:34rem;
padding:2rem;border:1px solid #1f3b5c;border-radius:8px;background:#0d1b2e}}
a{{color:#7cc4ff}}code{{color:#ffcf70}}</style></head><body><main>
<h1>{status} · {zh}</h1><p>{en}</p><p><code>{detail}</code></p>
<p><a href="/map">返回指挥地图 / Back to the map</a></p></main></body></html>"""
ERROR_TEXT = {
    404: ("未找到或不在您的权限范围内", "Not found, or outside the area your key may see."),
    403: ("您的角色无权查看地图", "Your role may not view the map."),
}


def error_page(exc: GridsvcError) -> HTMLResponse:
    zh, en = ERROR_TEXT.get(exc.status, ("服务配置错误", "The service is not set up correctly."))
    detail = exc.detail
    if exc.status >= 500:  # the cause (paths, settings) goes to the log, not to the browser
        _, detail = problems.internal_error("map page", exc)
    body = ERROR_PAGE.format(status=exc.status, zh=zh, en=en, detail=html.escape(detail))
    return HTMLResponse(body, status_code=exc.status, headers=NO_STORE)


def page_context(
    engine: Engine, principal: Principal, settings: Settings, district: str,
    grid_code: str | None, locale: str,
) -> PageContext:  # fmt: skip
    """Scope checks and what the page needs from the database (no features)."""
    authorize(principal, Action.READ_UNITS)
    require_unit(principal, district)
    basemap = cached_basemap(settings.basemap, settings.basemap_key)
    with engine.connect() as conn:
        found = units_repo.shapes(conn, district, ["district"])
        departments = []
        if Action.READ_LAYERS in PERMISSIONS[principal.role]:
            rows = layers_repo.list_layers(conn, district)
            departments = [r for r in rows if r.get("status", "active") == "active"]
    if not found:
        raise NotFound(f"district '{district}' is not loaded")
    outline = found[0]
    bounds = outline.geometry.bounds
    if grid_code:
        feature = units.unit_feature(engine, principal, grid_code)
        x0, y0, x1, y1 = shape(feature["geometry"]).bounds
        dx, dy = (x1 - x0) or 0.002, (y1 - y0) or 0.002  # its neighbours are in view too
        bounds = (x0 - dx, y0 - dy, x1 + dx, y1 + dy)
    return PageContext(
        district_code=district, district_name=outline.name, bounds=bounds,
        district_bounds=outline.geometry.bounds, role=principal.role.value, basemap=basemap,
        locale=locale, grid_code=grid_code, own_grids=tuple(sorted(principal.grid_codes)),
        departments=departments,
    )  # fmt: skip


def _page(ctx_args: dict) -> Response:
    try:
        assets.require_installed()
        ctx = page_context(**ctx_args)
    except GridsvcError as exc:
        return error_page(exc)
    return HTMLResponse(render_page(ctx), headers=NO_STORE)


@router.get("/map")
def map_page(
    request: Request, engine: EngineDep, settings: SettingsDep, principal: MaybePrincipal,
    lang: Lang = None, district: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
) -> Response:  # fmt: skip
    """The operator's command map of the whole district."""
    if principal is None:
        return _to_login(request)
    if principal.role is Role.GRID_LEADER and principal.grid_codes:
        suffix = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/map/grid/{min(principal.grid_codes)}{suffix}", 303)
    district = district or principal.district or settings.default_district
    return _page({"engine": engine, "principal": principal, "settings": settings,
                  "district": district, "grid_code": None, "locale": _locale(lang)})  # fmt: skip


@router.get("/map/grid/{code}")
def grid_page(
    code: str, request: Request, engine: EngineDep, settings: SettingsDep,
    principal: MaybePrincipal, lang: Lang = None,
) -> Response:  # fmt: skip
    """One grid, framed with its surroundings (a grid leader's view); 404 outside the scope."""
    if principal is None:
        return _to_login(request)
    if not code.isdigit() or len(code) not in (6, 9, 12, 15):
        return error_page(NotFound(f"no grid with code '{code}'"))
    return _page({"engine": engine, "principal": principal, "settings": settings,
                  "district": code[:6], "grid_code": code, "locale": _locale(lang)})  # fmt: skip


@router.get("/basemap/{z}/{x}/{y}.png")
def basemap_tile(
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM)],
    x: Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1)],
    y: Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1)],
    settings: SettingsDep,
    principal: CurrentPrincipal,
) -> Response:
    """A tile of the local basemap (``dir:`` or ``mbtiles:``), XYZ numbering."""
    basemap = cached_basemap(settings.basemap, settings.basemap_key)
    if not basemap.local:
        raise NotFound(f"the basemap '{basemap.kind}' is not served by this app")
    data = read_tile(basemap, z, x, y)
    if data is None:
        raise NotFound(f"the basemap has no tile {z}/{x}/{y}")
    headers = {"Cache-Control": "private, max-age=86400"}
    return Response(data, media_type=media_type(data), headers=headers)


class VendorFiles(StaticFiles):
    """Static files that answer 503 with the fix while ``npm ci`` has not been run."""

    async def check_config(self) -> None:
        if self.directory is None or not pathlib.Path(self.directory).is_dir():
            logger.error("%s (%s is missing)", assets.MISSING, self.directory)
            raise HTTPException(503, assets.MISSING)

    async def get_response(self, path: str, scope: Scope) -> Response:
        await self.check_config()
        return await super().get_response(path, scope)


def install(app: FastAPI) -> None:
    """Add the map pages and mount the map's static files on ``app``."""
    app.include_router(router)
    app.mount(assets.STATIC_URL, StaticFiles(directory=assets.STATIC), name="map-static")
    for package in assets.VENDOR_DIRS:
        app.mount(
            f"{assets.VENDOR_URL}/{package}",
            VendorFiles(directory=assets.vendor_dir(package), check_dir=False),
            name=f"vendor-{package}",
        )
