"""The command map page (一图知全域), built with folium: the one module that imports it.

folium gives the Leaflet map skeleton; its CDN scripts and styles are replaced by the local
``/static/vendor/...`` files, and the page gets the side panel markup, a JSON config (tile
URL templates, layers, basemap, initial view, locale, role) and our own scripts. No layer
embeds features: boundaries come as vector tiles, labels and the selected grid from the API,
so the page stays small whatever the size of the district.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import asdict, dataclass, field

import folium
from branca.element import Element, Figure

from gridsvc.auth import PERMISSIONS, Action, Role
from ingest.kinds import CARE_TAGS, KINDS
from maps import assets
from maps.basemap import Basemap

MAP_ID = "gridsvc"  # the Leaflet map is the global ``map_gridsvc``
TILE_URL = "/tiles/{layer}/{z}/{x}/{y}.pbf"
LOCALES = ("zh-CN", "en")
TITLES = {"zh-CN": "网格化管理指挥中心", "en": "Grid management command centre"}


@dataclass(frozen=True)
class LayerDef:
    """One layer of the page. ``type`` names a layer factory of ``layers.js``.

    Later layers (people, cameras, cases) register a definition here with
    ``register_layer`` and, when they need a new kind of drawing, a factory in JS with
    ``GridMap.registerLayerType``: nothing else changes.
    """

    id: str  # unique; used in the URL hash
    type: str  # "mvt" (vector tiles), or any type registered in layers.js
    title: str  # i18n key of the layer's name
    group: str = "boundaries"  # boundaries | departments | analysis | …
    source: str | None = None  # path layer of /tiles/{layer}/… (= MVT layer name)
    params: dict[str, str] = field(default_factory=dict)  # extra query of the tile URL
    style: str | None = None  # style key in layers.js
    min_zoom: int | None = None
    max_zoom: int | None = None
    visible: bool = True  # on when the page opens (without a hash)
    labels: str | None = None  # unit level whose labels show with this layer
    label_zooms: tuple[int | None, int | None] | None = None  # default: the layer's zooms
    legend: str | None = None  # legend key in layers.js
    title_args: dict[str, str] = field(default_factory=dict)
    roles: tuple[str, ...] | None = None  # roles that get the layer; None = every role

    def to_config(self) -> dict:
        out = asdict(self)
        out.pop("roles")
        return out


BASE_LAYERS: tuple[LayerDef, ...] = (
    LayerDef("district", "mvt", "layer.district", source="district", style="district"),
    LayerDef("streets", "mvt", "layer.streets", source="streets", style="streets",
             max_zoom=12, labels="street", label_zooms=(None, 11)),
    LayerDef("communities", "mvt", "layer.communities", source="communities",
             style="communities", min_zoom=12, max_zoom=14, labels="community",
             label_zooms=(12, 13)),
    LayerDef("grids", "mvt", "layer.grids", source="grids", style="grids", min_zoom=14,
             labels="grid"),
    LayerDef("h3", "mvt", "layer.h3", group="analysis", source="h3", style="h3", min_zoom=14,
             visible=False, legend="h3"),
)  # fmt: skip
#: Roles that see individual people (the others get them as counts): the people layer's.
PEOPLE_ROLES = tuple(r.value for r in Role if Action.READ_PEOPLE in PERMISSIONS[r])


def _element_layer(kind: str, roles: tuple[str, ...] | None = None) -> LayerDef:
    return LayerDef(
        f"el-{kind}",
        "elements",
        f"layer.el.{kind}",
        group="elements",
        source="elements",
        params={"kind": kind},
        style=kind,
        min_zoom=11,
        visible=False,
        legend="elements",
        roles=roles,
    )


ELEMENT_LAYERS: tuple[LayerDef, ...] = (
    _element_layer("place"),
    _element_layer("thing"),
    _element_layer("organisation"),
    _element_layer("situation"),
    _element_layer("person", PEOPLE_ROLES),
    LayerDef(
        "heat",
        "heat",
        "layer.heat",
        group="elements",
        source="heat",
        params={"tag": "elderly_alone"},
        min_zoom=9,
        visible=False,
        legend="heat",
    ),
)
#: Roles that read cameras: the camera, view-sector and coverage layers are theirs.
CAMERA_ROLES = tuple(r.value for r in Role if Action.READ_CAMERAS in PERMISSIONS[r])


def _camera_layer(layer_id: str, source: str, min_zoom: int) -> LayerDef:
    return LayerDef(
        layer_id,
        layer_id,
        f"layer.{layer_id}",
        group="cameras",
        source=source,
        min_zoom=min_zoom,
        visible=False,
        legend=layer_id,
        roles=CAMERA_ROLES,
    )


#: Cameras (status colours, alarm rings), their view sectors (from street zoom), coverage.
CAMERA_LAYERS: tuple[LayerDef, ...] = (
    _camera_layer("cameras", "cameras", 12),
    _camera_layer("sectors", "cameras", 16),
    _camera_layer("coverage", "coverage", 12),
)
_REGISTERED: list[LayerDef] = []


def register_layer(layer: LayerDef) -> None:
    """Add a layer to every map page (later features: people, cameras, cases…)."""
    known = (*BASE_LAYERS, *ELEMENT_LAYERS, *CAMERA_LAYERS, *_REGISTERED)
    if any(existing.id == layer.id for existing in known):
        raise ValueError(f"a map layer with id '{layer.id}' is already registered")
    _REGISTERED.append(layer)


def department_layers(layers: list[dict]) -> list[LayerDef]:
    """Two toggles per departmental layer: its grid, and its conflicts with the unified grid."""
    out = []
    for i, layer in enumerate(layers):
        lid = str(layer["layer_id"])
        dept = layer.get("department") or layer.get("name") or lid
        kind = "proposal" if layer.get("kind") == "proposal" else "dept"
        args = {"dept": dept, "version": str(layer.get("version", 1))}
        out.append(LayerDef(f"dept-{lid}", "mvt", f"layer.{kind}", group="departments",
                            source="dept", params={"layer_id": lid}, style=f"dept:{i}",
                            visible=False, title_args=args))  # fmt: skip
        out.append(LayerDef(f"conflicts-{lid}", "mvt", "layer.conflicts", group="departments",
                            source="conflicts", params={"layer_id": lid}, style="conflicts",
                            visible=False, title_args=args, legend="conflicts"))  # fmt: skip
    return out


@dataclass(frozen=True)
class PageContext:
    """Everything the page shows besides what its scripts fetch."""

    district_code: str
    district_name: str
    bounds: tuple[float, float, float, float]  # initial view: minLon, minLat, maxLon, maxLat
    district_bounds: tuple[float, float, float, float]
    role: str
    basemap: Basemap
    locale: str = "zh-CN"
    grid_code: str | None = None  # the grid page's grid
    own_grids: tuple[str, ...] = ()  # a grid leader's grids
    departments: list[dict] = field(default_factory=list)  # /api/v1/layers rows


def page_layers(ctx: PageContext) -> list[LayerDef]:
    layers = [
        *BASE_LAYERS,
        *department_layers(ctx.departments),
        *ELEMENT_LAYERS,
        *CAMERA_LAYERS,
        *_REGISTERED,
    ]
    return [layer for layer in layers if layer.roles is None or ctx.role in layer.roles]


def page_config(ctx: PageContext) -> dict:
    """The JSON config the page's scripts start from."""
    shift = "gcj02" if ctx.basemap.crs == "gcj02" else None
    params = {"district": ctx.district_code, **({"shift": shift} if shift else {})}
    return {
        "mapName": f"map_{MAP_ID}",
        "locale": ctx.locale,
        "api": "/api/v1",
        "tiles": {"url": TILE_URL, "params": params},
        "shift": shift,
        "district": {"code": ctx.district_code, "name": ctx.district_name,
                     "bounds": _latlng_bounds(ctx.district_bounds)},
        "view": {"bounds": _latlng_bounds(ctx.bounds)},
        "grid": ctx.grid_code,
        "user": {"role": ctx.role, "grids": list(ctx.own_grids)},
        "basemap": ctx.basemap.to_config(),
        "layers": [layer.to_config() for layer in page_layers(ctx)],
        "elements": {"kinds": list(KINDS), "tags": list(CARE_TAGS.values()),
                     "people": ctx.role in PEOPLE_ROLES},
    }  # fmt: skip


def _latlng_bounds(b: tuple[float, float, float, float]) -> list[list[float]]:
    return [[round(b[1], 6), round(b[0], 6)], [round(b[3], 6), round(b[2], 6)]]


def fit_zoom(
    bounds: tuple[float, float, float, float], width: int = 1100, height: int = 760
) -> int:
    """The Web Mercator zoom at which ``bounds`` fits a viewport of ``width`` × ``height`` px."""
    x0, y0, x1, y1 = bounds

    def merc_y(lat: float) -> float:
        s = math.sin(math.radians(max(-85.0, min(85.0, lat))))
        return 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)

    dx = max((x1 - x0) / 360.0, 1e-9)
    dy = max(merc_y(y0) - merc_y(y1), 1e-9)
    zoom = math.floor(min(math.log2(width / 256 / dx), math.log2(height / 256 / dy)))
    return max(2, min(18, zoom))


PANEL = """
<header class="gs-top">
  <div class="gs-brand"><span class="gs-logo" aria-hidden="true"></span>
    <span class="gs-title" data-i18n="app.title"></span>
    <span class="gs-district" id="gs-district"></span></div>
  <div class="gs-search" role="search">
    <input id="gs-search" type="search" autocomplete="off" spellcheck="false"
      data-i18n-placeholder="search.placeholder" data-i18n-aria-label="search.placeholder">
    <ul id="gs-search-results" class="gs-results" role="listbox" hidden></ul></div>
  <div class="gs-tools"><span class="gs-role" id="gs-role"></span>
    <button type="button" id="gs-lang" class="gs-btn"></button>
    <form method="post" action="/logout"><button type="submit" class="gs-btn"
      data-i18n="app.logout"></button></form></div>
</header>
<aside class="gs-panel gs-panel-left" id="gs-panel-left">
  <section class="gs-card" id="gs-layers"><h2 data-i18n="layers.title"></h2>
    <div id="gs-layers-body" class="gs-card-body"></div></section>
  <section class="gs-card" id="gs-legend"><h2 data-i18n="legend.title"></h2>
    <div id="gs-legend-body" class="gs-card-body"></div></section>
</aside>
<aside class="gs-panel gs-panel-right" id="gs-panel">
  <section class="gs-card" id="gs-camera" hidden><h2 data-i18n="camera.title"></h2>
    <div id="gs-camera-body" class="gs-card-body"></div></section>
  <section class="gs-card" id="gs-card"><h2 data-i18n="card.title"></h2>
    <div id="gs-card-body" class="gs-card-body"></div></section>
  <section class="gs-card" id="gs-locate"><h2 data-i18n="locate.title"></h2>
    <div id="gs-locate-body" class="gs-card-body"></div></section>
</aside>
<footer class="gs-status" id="gs-status" aria-live="polite"></footer>
"""


def render_page(ctx: PageContext) -> str:
    """The whole HTML page (small: no features are embedded)."""
    locale = ctx.locale if ctx.locale in LOCALES else "zh-CN"
    x0, y0, x1, y1 = ctx.bounds
    fig = Figure(title=html.escape(f"{TITLES[locale]} · {ctx.district_name}"))
    m = folium.Map(
        location=[(y0 + y1) / 2, (x0 + x1) / 2], zoom_start=fit_zoom(ctx.bounds), tiles=None,
        prefer_canvas=True, control_scale=False, zoom_control=True, attribution_control=True,
    )  # fmt: skip
    m._id = MAP_ID
    # folium's CDN scripts and styles (Leaflet, jQuery, Bootstrap…) give way to local files
    m.default_js = [(f"vendor{i}", url) for i, url in enumerate(assets.vendor_scripts())]
    m.default_css = [(f"css{i}", url) for i, url in enumerate(assets.stylesheets())]
    fig.add_child(m)
    config = json.dumps(page_config(ctx), ensure_ascii=False, separators=(",", ":"))
    config = config.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    fig.header.add_child(Element(
        f'<script id="gridsvc-config" type="application/json">{config}</script>'
    ), name="gridsvc_config")  # fmt: skip
    for i, url in enumerate(assets.app_scripts()):
        fig.header.add_child(Element(f'<script defer src="{url}"></script>'), name=f"app{i}")
    fig.html.add_child(Element(PANEL), name="gridsvc_panel")
    page = fig.render()
    return page.replace("<html>", f'<html lang="{locale}" class="gs-dark">', 1)
