"""Every route, every role: the object-scope table.

Each route of the app (every operation of the OpenAPI document and every route outside it)
has a row: the request to send and the status each caller gets, with checks of what the body
may hold. A route without a row fails ``test_every_route_has_a_scope_expectation``.

Callers: one key per role (the grid leader's limited to one grid), no key, and ``other``: an
admin key limited to another district, which must never receive anything of the demo
district. Runs on a database of its own (writes such as proposals are allowed).
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import text

from cameras.deviceid import make_device_id
from gridsvc.services.keys import create_key
from tests.api.conftest import SAME_SITE, auth, throwaway_demo
from tests.camera_samples import isapi_now, onvif_now, sample
from tests.conftest import READONLY_DISTRICT as DEMO
from tests.elements_rows import grid_points, insert_rows, sample_rows
from tests.ingest_files import PERSON_FIELDS, PERSON_HEADER, PERSON_VALUES, mapping, person_row

Response = Any  # the test client's response
OTHER_DISTRICT = "110101"
ROLES = ("admin", "operator", "grid_leader", "planner", "integrator", "other", "none")
#: A unit code of the demo district standing alone (not inside a longer number or a decimal).
DEMO_CODE = re.compile(rf"(?<![\d.]){DEMO}(\d{{3}}){{0,3}}(?![\d])")
MVT = "application/vnd.mapbox-vector-tile"


@dataclass(frozen=True)
class Ctx:
    """Sample values of the demo district: the leader's grid, another grid, a layer, a tile."""

    grid: str
    foreign: str
    lon: float
    lat: float
    cell: str
    layer_id: int
    tile: tuple[int, int, int]
    visible: frozenset[str]
    keys: dict[str, str]
    new_prefix: Callable[[], str]  # a fresh key of the demo district, to revoke
    elements: dict[str, int]  # sample element ids: p1 (person, own grid), p4 (person, foreign)
    point_tile: tuple[int, int, int]  # the zoom-15 tile of the own grid's sample elements
    camera_tile: tuple[int, int, int]  # the zoom-16 tile of the own grid's camera
    job_id: int = 0  # an ingest job of the demo district
    cameras: dict[str, str] = field(default_factory=dict)  # own: in the leader's grid; foreign


Build = Callable[[Ctx, str], tuple[str, str, dict[str, Any]]]  # (method, url, httpx kwargs)
Check = Callable[[str, Response, Ctx], None]


@dataclass(frozen=True)
class Case:
    """One request and the status per caller (``none`` defaults to 401)."""

    build: Build
    status: dict[str, int]
    check: Check | None = None


@dataclass(frozen=True)
class Row:
    cases: tuple[Case, ...] = field(default_factory=tuple)


def statuses(
    admin: int,
    operator: int,
    leader: int,
    planner: int,
    integrator: int,
    other: int,
    none: int = 401,
) -> dict[str, int]:
    return dict(
        zip(ROLES, (admin, operator, leader, planner, integrator, other, none), strict=True)
    )


READ_UNITS = statuses(200, 200, 200, 200, 403, 200)
FOREIGN_UNIT = statuses(200, 200, 404, 200, 403, 404)
READ_LAYER = statuses(200, 200, 403, 200, 403, 404)
LOCATE = statuses(200, 200, 200, 200, 200, 200)
INGEST_JOB = statuses(200, 200, 403, 403, 403, 404)
ADMIN_WRITE = statuses(422, 403, 403, 403, 403, 422)  # no body: refused, or 422 for admins
CAMERA_PUSH_EMPTY = statuses(422, 403, 403, 403, 422, 422)  # no body: 422 for pushers
CAMERA_PUSH = statuses(200, 403, 403, 403, 200, 200)  # per-item results (no such camera)


def get(path: Callable[[Ctx], str]) -> Build:
    return lambda ctx, key: ("GET", path(ctx), {})


def post(path: Callable[[Ctx], str], **kwargs: Callable[[Ctx], Any]) -> Build:
    return lambda ctx, key: ("POST", path(ctx), {k: f(ctx) for k, f in kwargs.items()})


def unit_codes(body: Any) -> set[str]:
    """Codes of the units (features) a body describes in detail."""
    features = body.get("features", []) if isinstance(body, dict) else []
    return {f["properties"]["code"] for f in features}


def details_in_scope(role: str, r: Response, ctx: Ctx) -> None:
    """A grid leader receives details of its grid and the units above it only."""
    codes = unit_codes(r.json())
    if role == "grid_leader":
        assert codes <= ctx.visible, codes - ctx.visible
    if role in ("admin", "operator", "planner"):
        assert codes, "a district-wide key sees units"


def tile_codes(r: Response) -> set[str]:
    if r.status_code == 204:
        return set()
    decoded = mapbox_vector_tile.decode(r.content)
    return {f["properties"]["code"] for layer in decoded.values() for f in layer["features"]}


def tile_in_scope(role: str, r: Response, ctx: Ctx) -> None:
    if role == "grid_leader":
        assert tile_codes(r) == {ctx.grid}
    if role == "admin":
        assert len(tile_codes(r)) > 1


def elements_in_scope(role: str, r: Response, ctx: Ctx) -> None:
    """Person rows only for admins and grid leaders; a grid leader's own grid only."""
    features = r.json()["features"]
    kinds = {f["properties"]["kind"] for f in features}
    if role in ("operator", "planner"):
        assert "person" not in kinds and features
    if role == "grid_leader":
        assert {f["properties"]["grid_code"] for f in features} == {ctx.grid}
    if role == "admin":
        assert {"person", "place"} <= kinds


def element_tile_in_scope(role: str, r: Response, ctx: Ctx) -> None:
    """People's points: a grid leader's own grid only."""
    if role == "other":
        return  # an empty tile (204)
    found = mapbox_vector_tile.decode(r.content)["elements"]["features"]
    grids = {f["properties"]["grid_code"] for f in found}
    assert grids == {ctx.grid} if role == "grid_leader" else ctx.grid in grids


def cameras_in_scope(role: str, r: Response, ctx: Ctx) -> None:
    """A grid leader lists the cameras of its own grid only; stream credentials for admins."""
    features = r.json()["features"]
    ids = {f["id"] for f in features}
    if role == "grid_leader":
        assert ctx.cameras["own"] in ids and ctx.cameras["foreign"] not in ids
        assert {f["properties"]["grid_code"] for f in features} == {ctx.grid}
    if role in ("admin", "operator", "planner"):
        assert set(ctx.cameras.values()) <= ids


def camera_streams_masked(role: str, r: Response, ctx: Ctx) -> None:
    secret = "scope:secret@"
    assert (secret in r.text) == (role == "admin")


def new_camera_json(ctx: Ctx) -> dict:
    return {
        "device_id": "51010400001320000901",
        "name": "scope",
        "department": "police",
        "lon": ctx.lon,
        "lat": ctx.lat,
    }


def register_cameras(client: TestClient, admin: dict, own: tuple, foreign: tuple) -> dict:
    """A camera in the grid leader's grid (with a secret stream URL) and one in another grid."""
    url = "rtsp://scope:secret@10.0.0.1/1"
    body = {
        "cameras": [
            {
                "device_id": "51010400001320000001",
                "name": "own",
                "department": "police",
                "lon": own[0],
                "lat": own[1],
                "streams": [{"name": "main", "url": url}],
            },
            {
                "device_id": "51010400001320000002",
                "name": "foreign",
                "department": "traffic",
                "lon": foreign[0],
                "lat": foreign[1],
                "streams": [{"name": "main", "url": url}],
            },
        ]
    }
    r = client.post("/api/v1/cameras", json=body, headers=admin)
    assert r.json()["counts"]["created"] == 2, r.text
    return {"own": "51010400001320000001", "foreign": "51010400001320000002"}


def camera_tile_in_scope(role: str, r: Response, ctx: Ctx) -> None:
    """Cameras and coverage: a grid leader's own grid only."""
    if role == "other":
        return  # an empty tile (204)
    decoded = mapbox_vector_tile.decode(r.content)
    grids = {f["properties"]["grid_code"] for layer in decoded.values() for f in layer["features"]}
    assert grids == {ctx.grid} if role == "grid_leader" else ctx.grid in grids


def add_cameras(conn, points: list[tuple[str, float, float]]) -> None:  # type: ignore[no-untyped-def]
    """A camera (with its view sector) and a coverage row in each (grid, lon, lat)."""
    for i, (grid, lon, lat) in enumerate(points, start=1):
        conn.execute(
            text(
                "INSERT INTO cameras (adcode, device_id, name, department, device_type, geom, "
                "grid_code, heading_deg, fov_deg, range_m, sector) VALUES (:a, :d, 'scope', "
                "'police', '132', ST_SetSRID(ST_Point(:x, :y), 4326), :g, 0, 360, 30, "
                "ST_Buffer(ST_SetSRID(ST_Point(:x, :y), 4326), 0.0003)) ON CONFLICT DO NOTHING"
            ),
            {
                "a": DEMO,
                "d": make_device_id(DEMO, 990_000 + i, unit="99"),
                "g": grid,
                "x": lon,
                "y": lat,
            },
        )
        conn.execute(
            text(
                "INSERT INTO grid_coverage (adcode, grid_code, area_m2, covered_m2, share, blind) "
                "SELECT adcode, code, area_m2, 0, 0, ST_Multi(geom) FROM units WHERE adcode = :a "
                "AND code = :g ON CONFLICT DO NOTHING"
            ),
            {"a": DEMO, "g": grid},
        )


def camera_health_in_scope(role: str, r: Response, ctx: Ctx) -> None:
    """A grid leader's camera health counts its own grid only."""
    grids = {g["grid_code"] for g in r.json()["by_grid"]}
    if role == "grid_leader":
        assert grids <= {ctx.grid}


def reveal_json(ctx: Ctx) -> dict:
    return {"reason": "route scope check"}


def isapi_alert(ctx: Ctx) -> bytes:
    return isapi_now(sample("isapi_vmd.xml"))


def onvif_notify(ctx: Ctx) -> bytes:
    return onvif_now(sample("onvif_motion_alarm.xml"))


def locate_json(ctx: Ctx) -> dict:
    return {"crs": "EPSG:4326", "points": [[ctx.lon, ctx.lat]]}


def z_x_y(ctx: Ctx) -> str:
    return "/".join(map(str, ctx.tile))


def tile_at(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """The Web Mercator tile (z, x, y) holding a point."""
    n = 1 << z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)


TABLE: dict[tuple[str, str], Row] = {
    ("GET", "/healthz"): Row((Case(get(lambda c: "/healthz"), {r: 200 for r in ROLES}),)),
    ("GET", "/api/v1/districts"): Row(
        (Case(get(lambda c: "/api/v1/districts"), READ_UNITS, details_in_scope),)
    ),
    ("GET", "/api/v1/grids"): Row(
        (
            Case(get(lambda c: "/api/v1/grids?level=grid&limit=50"), READ_UNITS, details_in_scope),
            Case(
                get(lambda c: f"/api/v1/grids?district={DEMO}&q={c.foreign[:9]}"),
                statuses(200, 200, 200, 200, 403, 200),
            ),
        )
    ),
    ("GET", "/api/v1/grids/labels"): Row(
        (Case(get(lambda c: "/api/v1/grids/labels?level=grid"), READ_UNITS, details_in_scope),)
    ),
    ("GET", "/api/v1/grids/{code}"): Row(
        (
            Case(get(lambda c: f"/api/v1/grids/{c.grid}"), statuses(200, 200, 200, 200, 403, 404)),
            Case(get(lambda c: f"/api/v1/grids/{c.foreign}"), FOREIGN_UNIT),
        )
    ),
    ("GET", "/api/v1/grids/{code}/children"): Row(
        (
            Case(
                get(lambda c: f"/api/v1/grids/{c.grid[:12]}/children"),
                statuses(200, 200, 200, 200, 403, 404),
                details_in_scope,
            ),
            Case(get(lambda c: f"/api/v1/grids/{c.foreign[:12]}/children"), FOREIGN_UNIT),
        )
    ),
    ("POST", "/api/v1/grids/import"): Row(
        (Case(post(lambda c: "/api/v1/grids/import"), ADMIN_WRITE),)
    ),
    ("GET", "/api/v1/layers"): Row(
        (Case(get(lambda c: "/api/v1/layers"), statuses(200, 200, 403, 200, 403, 200)),)
    ),
    ("POST", "/api/v1/layers"): Row((Case(post(lambda c: "/api/v1/layers"), ADMIN_WRITE),)),
    ("GET", "/api/v1/layers/{layer_id}"): Row(
        (Case(get(lambda c: f"/api/v1/layers/{c.layer_id}"), READ_LAYER),)
    ),
    ("GET", "/api/v1/layers/{layer_id}/features"): Row(
        (Case(get(lambda c: f"/api/v1/layers/{c.layer_id}/features"), READ_LAYER),)
    ),
    ("GET", "/api/v1/layers/{layer_id}/report"): Row(
        (Case(get(lambda c: f"/api/v1/layers/{c.layer_id}/report?format=geojson"), READ_LAYER),)
    ),
    ("POST", "/api/v1/layers/{layer_id}/report"): Row(
        (
            Case(
                post(lambda c: f"/api/v1/layers/{c.layer_id}/report"),
                statuses(200, 403, 403, 403, 403, 404),
            ),
        )
    ),
    ("POST", "/api/v1/layers/propose"): Row(
        (
            Case(post(lambda c: "/api/v1/layers/propose"), statuses(200, 403, 403, 403, 403, 422)),
            Case(
                post(lambda c: f"/api/v1/layers/propose?district={DEMO}"),
                statuses(200, 403, 403, 403, 403, 404),
            ),
        )
    ),
    ("POST", "/api/v1/layers/{layer_id}/adopt"): Row(
        (  # a departmental layer: not adoptable
            Case(
                post(lambda c: f"/api/v1/layers/{c.layer_id}/adopt"),
                statuses(422, 403, 403, 403, 403, 404),
            ),
        )
    ),
    ("GET", "/api/v1/locate"): Row(
        (
            Case(get(lambda c: f"/api/v1/locate?lon={c.lon}&lat={c.lat}"), LOCATE),
            Case(
                get(lambda c: f"/api/v1/locate?lon={c.lon}&lat={c.lat}&district={DEMO}"),
                statuses(200, 200, 200, 200, 200, 404),
            ),
        )
    ),
    ("POST", "/api/v1/locate"): Row(
        (Case(post(lambda c: "/api/v1/locate", json=locate_json), LOCATE),)
    ),
    ("GET", "/api/v1/locate/nearby"): Row(
        (Case(get(lambda c: f"/api/v1/locate/nearby?lon={c.lon}&lat={c.lat}&k=2"), LOCATE),)
    ),
    ("GET", "/api/v1/cells/{cell}/grids"): Row(
        (Case(get(lambda c: f"/api/v1/cells/{c.cell}/grids?k=1"), LOCATE),)
    ),
    ("GET", "/api/v1/grids/{code}/cells"): Row(
        (
            Case(
                get(lambda c: f"/api/v1/grids/{c.grid}/cells"),
                statuses(200, 200, 200, 200, 403, 404),
            ),
            Case(get(lambda c: f"/api/v1/grids/{c.foreign}/cells"), FOREIGN_UNIT),
        )
    ),
    ("POST", "/api/v1/cells/aggregate"): Row(
        (Case(post(lambda c: "/api/v1/cells/aggregate", json=locate_json), LOCATE),)
    ),
    ("GET", "/tiles/{layer}/{z}/{x}/{y}.pbf"): Row(
        (
            Case(
                get(lambda c: f"/tiles/grids/{z_x_y(c)}.pbf"),
                statuses(200, 200, 200, 200, 403, 204),
                tile_in_scope,
            ),
            Case(
                get(lambda c: f"/tiles/grids/{z_x_y(c)}.pbf?district={DEMO}"),
                statuses(200, 200, 200, 200, 403, 204),
                tile_in_scope,
            ),
            Case(
                get(lambda c: f"/tiles/h3/{z_x_y(c)}.pbf"), statuses(200, 200, 200, 200, 403, 204)
            ),
            Case(
                get(lambda c: f"/tiles/dept/{z_x_y(c)}.pbf?layer_id={c.layer_id}"),
                statuses(200, 200, 403, 200, 403, 404),
            ),
            # the sample elements: counts for every reader, people's points for some
            Case(
                get(lambda c: f"/tiles/elements/{z_x_y(c)}.pbf"),
                statuses(200, 200, 200, 200, 403, 204),
            ),
            Case(
                get(lambda c: "/tiles/elements/{}/{}/{}.pbf?kind=person".format(*c.point_tile)),
                statuses(200, 403, 200, 403, 403, 204),
                element_tile_in_scope,
            ),
            Case(
                get(lambda c: f"/tiles/heat/{z_x_y(c)}.pbf?tag=elderly_alone"),
                statuses(200, 200, 200, 200, 403, 204),
            ),
            # cameras (with view sectors at zoom 16) and coverage: roles reading cameras
            Case(
                get(lambda c: f"/tiles/cameras/{z_x_y(c)}.pbf"),
                statuses(200, 200, 200, 200, 403, 204),
                camera_tile_in_scope,
            ),
            Case(
                get(lambda c: "/tiles/cameras/{}/{}/{}.pbf".format(*c.camera_tile)),
                statuses(200, 200, 200, 200, 403, 204),
                camera_tile_in_scope,
            ),
            Case(
                get(lambda c: f"/tiles/coverage/{z_x_y(c)}.pbf"),
                statuses(200, 200, 200, 200, 403, 204),
                camera_tile_in_scope,
            ),
        )
    ),
    ("GET", "/api/v1/elements"): Row(
        (
            Case(
                get(lambda c: "/api/v1/elements?limit=1000"),
                statuses(200, 200, 200, 200, 403, 200),
                elements_in_scope,
            ),
            Case(
                get(lambda c: "/api/v1/elements?kind=person"),
                statuses(200, 403, 200, 403, 403, 200),
            ),
            Case(
                get(lambda c: f"/api/v1/elements?district={DEMO}&grid={c.foreign}"),
                statuses(200, 200, 200, 200, 403, 404),
            ),
        )
    ),
    ("GET", "/api/v1/elements/{element_id}"): Row(
        (
            Case(
                get(lambda c: f"/api/v1/elements/{c.elements['p1']}"),
                statuses(200, 404, 200, 404, 403, 404),
            ),
            Case(
                get(lambda c: f"/api/v1/elements/{c.elements['p4']}"),
                statuses(200, 404, 404, 404, 403, 404),
            ),
            Case(
                get(lambda c: f"/api/v1/elements/{c.elements['b1']}?district={DEMO}"),
                statuses(200, 200, 200, 200, 403, 404),
            ),
        )
    ),
    ("POST", "/api/v1/elements/{element_id}/reveal"): Row(
        (
            Case(
                post(lambda c: f"/api/v1/elements/{c.elements['p1']}/reveal", json=reveal_json),
                statuses(200, 403, 200, 403, 403, 404),
            ),
            Case(
                post(lambda c: f"/api/v1/elements/{c.elements['p4']}/reveal", json=reveal_json),
                statuses(200, 403, 404, 403, 403, 404),
            ),
        )
    ),
    ("GET", "/api/v1/grids/{code}/card"): Row(
        (
            Case(
                get(lambda c: f"/api/v1/grids/{c.grid}/card"),
                statuses(200, 200, 200, 200, 403, 404),
            ),
            Case(get(lambda c: f"/api/v1/grids/{c.foreign}/card"), FOREIGN_UNIT),
            Case(
                get(lambda c: f"/api/v1/grids/{c.grid[:9]}/card"),
                statuses(200, 200, 404, 200, 403, 404),
            ),
        )
    ),
    ("GET", "/api/v1/grids/{code}/coverage"): Row(
        (
            Case(
                get(lambda c: f"/api/v1/grids/{c.grid}/coverage"),
                statuses(200, 200, 200, 200, 403, 404),
            ),
            Case(get(lambda c: f"/api/v1/grids/{c.foreign}/coverage?blind=false"), FOREIGN_UNIT),
            Case(
                get(lambda c: f"/api/v1/grids/{c.grid[:12]}/coverage?blind=false"),
                statuses(200, 200, 404, 200, 403, 404),
            ),
        )
    ),
    ("GET", "/api/v1/cameras/seeing"): Row(
        (  # a point of the foreign grid: not the grid leader's
            Case(
                get(lambda c: f"/api/v1/cameras/seeing?lon={c.lon}&lat={c.lat}"),
                statuses(200, 200, 404, 200, 403, 200),
            ),
            Case(
                get(lambda c: f"/api/v1/cameras/seeing?lon={c.lon}&lat={c.lat}&district={DEMO}"),
                statuses(200, 200, 404, 200, 403, 404),
            ),
        )
    ),
    ("POST", "/api/v1/coverage/recompute"): Row(
        (
            Case(
                post(lambda c: f"/api/v1/coverage/recompute?district={DEMO}"),
                statuses(200, 200, 403, 403, 403, 404),
            ),
            Case(  # the key's own district (the other key: one without grids)
                post(lambda c: "/api/v1/coverage/recompute"),
                statuses(200, 200, 403, 403, 403, 200),
            ),
        )
    ),
    ("GET", "/api/v1/cameras/health"): Row(
        (
            Case(
                get(lambda c: "/api/v1/cameras/health"),
                statuses(200, 200, 200, 200, 403, 200),
                camera_health_in_scope,
            ),
            Case(
                get(lambda c: f"/api/v1/cameras/health?district={DEMO}"),
                statuses(200, 200, 200, 200, 403, 404),
                camera_health_in_scope,
            ),
        )
    ),
    ("POST", "/api/v1/keys"): Row(
        (
            Case(
                post(
                    lambda c: "/api/v1/keys", json=lambda c: {"role": "operator", "district": DEMO}
                ),
                statuses(201, 403, 403, 403, 403, 404),
            ),
        )
    ),
    ("GET", "/api/v1/keys"): Row(
        (Case(get(lambda c: "/api/v1/keys"), statuses(200, 403, 403, 403, 403, 200)),)
    ),
    ("DELETE", "/api/v1/keys/{prefix}"): Row(
        (
            Case(
                lambda c, key: ("DELETE", f"/api/v1/keys/{c.new_prefix()}", {}),
                statuses(200, 403, 403, 403, 403, 404),
            ),
        )
    ),
    ("POST", "/api/v1/ingest/{kind}"): Row(
        (Case(post(lambda c: "/api/v1/ingest/person"), statuses(422, 422, 403, 403, 403, 422)),)
    ),
    ("POST", "/api/v1/ingest/isapi"): Row(
        (
            Case(post(lambda c: "/api/v1/ingest/isapi"), CAMERA_PUSH_EMPTY),
            Case(post(lambda c: "/api/v1/ingest/isapi", content=isapi_alert), CAMERA_PUSH),
        )
    ),
    ("POST", "/api/v1/ingest/onvif"): Row(
        (
            Case(post(lambda c: "/api/v1/ingest/onvif"), CAMERA_PUSH_EMPTY),
            Case(post(lambda c: "/api/v1/ingest/onvif", content=onvif_notify), CAMERA_PUSH),
        )
    ),
    ("GET", "/api/v1/ingest/jobs/{job_id}"): Row(
        (Case(get(lambda c: f"/api/v1/ingest/jobs/{c.job_id}"), INGEST_JOB),)
    ),
    ("GET", "/api/v1/ingest/jobs/{job_id}/report.csv"): Row(
        (Case(get(lambda c: f"/api/v1/ingest/jobs/{c.job_id}/report.csv"), INGEST_JOB),)
    ),
    ("POST", "/api/v1/camera-events"): Row(
        (
            Case(
                post(lambda c: "/api/v1/camera-events", json=lambda c: {"events": []}),
                statuses(200, 403, 403, 403, 200, 200),
            ),
        )
    ),
    ("GET", "/api/v1/camera-events"): Row(
        (
            Case(get(lambda c: "/api/v1/camera-events"), statuses(200, 200, 200, 200, 403, 200)),
            Case(
                get(lambda c: f"/api/v1/camera-events?district={DEMO}&grid={c.foreign}"),
                statuses(200, 200, 404, 200, 403, 404),
            ),
        )
    ),
    ("GET", "/api/v1/camera-pictures/{picture_id}"): Row(
        (  # no such picture: readers learn only that
            Case(
                get(lambda c: "/api/v1/camera-pictures/" + "0" * 64),
                statuses(404, 404, 404, 404, 403, 404),
            ),
        )
    ),
    ("GET", "/api/v1/audit"): Row(
        (
            Case(get(lambda c: "/api/v1/audit"), statuses(200, 403, 403, 403, 403, 200)),
            Case(
                get(lambda c: f"/api/v1/audit?district={DEMO}"),
                statuses(200, 403, 403, 403, 403, 404),
            ),
        )
    ),
    ("POST", "/api/v1/cameras"): Row(
        (
            Case(
                post(lambda c: "/api/v1/cameras", json=new_camera_json),
                statuses(201, 200, 403, 403, 403, 422),
            ),
            Case(
                post(lambda c: f"/api/v1/cameras?district={DEMO}", json=new_camera_json),
                statuses(200, 200, 403, 403, 403, 404),
            ),
        )
    ),
    ("GET", "/api/v1/cameras"): Row(
        (
            Case(
                get(lambda c: "/api/v1/cameras"),
                statuses(200, 200, 200, 200, 403, 200),
                cameras_in_scope,
            ),
            Case(
                get(lambda c: f"/api/v1/cameras?district={DEMO}&grid={c.foreign}"),
                statuses(200, 200, 200, 200, 403, 404),
            ),
        )
    ),
    ("GET", "/api/v1/cameras/{device_id}"): Row(
        (
            Case(
                get(lambda c: f"/api/v1/cameras/{c.cameras['own']}"),
                statuses(200, 200, 200, 200, 403, 404),
                camera_streams_masked,
            ),
            Case(
                get(lambda c: f"/api/v1/cameras/{c.cameras['foreign']}"),
                statuses(200, 200, 404, 200, 403, 404),
                camera_streams_masked,
            ),
        )
    ),
    ("PATCH", "/api/v1/cameras/{device_id}"): Row(
        (
            Case(
                lambda c, key: (
                    "PATCH",
                    f"/api/v1/cameras/{c.cameras['foreign']}",
                    {"json": {"name": "renamed"}},
                ),
                statuses(200, 200, 403, 403, 403, 404),
            ),
        )
    ),
    ("POST", "/api/v1/cameras/catalog"): Row(
        (  # an empty body: refused, or 422 for those who may import
            Case(post(lambda c: "/api/v1/cameras/catalog"), statuses(422, 422, 403, 403, 403, 422)),
        )
    ),
    # --- routes outside the OpenAPI document -------------------------------------------------
    ("GET", "/map"): Row(
        (
            Case(get(lambda c: "/map"), statuses(200, 200, 303, 200, 403, 404, none=303)),
            Case(
                get(lambda c: f"/map?district={DEMO}"),
                statuses(200, 200, 303, 200, 403, 404, none=303),
            ),
        )
    ),
    ("GET", "/map/grid/{code}"): Row(
        (
            Case(
                get(lambda c: f"/map/grid/{c.grid}"),
                statuses(200, 200, 200, 200, 403, 404, none=303),
            ),
            Case(
                get(lambda c: f"/map/grid/{c.foreign}"),
                statuses(200, 200, 404, 200, 403, 404, none=303),
            ),
        )
    ),
    ("GET", "/basemap/{z}/{x}/{y}.png"): Row(
        (  # no local basemap configured
            Case(get(lambda c: "/basemap/1/0/0.png"), statuses(404, 404, 404, 404, 404, 404)),
        )
    ),
    ("GET", "/login"): Row((Case(get(lambda c: "/login"), {r: 200 for r in ROLES}),)),
    ("POST", "/login"): Row(
        (
            Case(
                lambda c, key: ("POST", "/login", {"data": {"key": key or "gsk_nope_x"}}),
                statuses(303, 303, 303, 303, 303, 303, none=401),
            ),
        )
    ),
    ("POST", "/logout"): Row((Case(post(lambda c: "/logout"), {r: 303 for r in ROLES}),)),
}


def api_routes(routes: list) -> Iterator[APIRoute]:
    """Every APIRoute of ``routes``, inside included routers too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router
            yield from api_routes(route.original_router.routes)


def app_routes(client: TestClient) -> set[tuple[str, str]]:
    """(method, path) of every operation in the OpenAPI document and every other route."""
    found = {
        (method.upper(), path)
        for path, item in client.app.openapi()["paths"].items()  # type: ignore[attr-defined]
        for method in item
    }
    for route in api_routes(client.app.routes):  # type: ignore[attr-defined]
        found.update((m, route.path) for m in route.methods if m != "HEAD")
    return found


def ingest_job(client: TestClient, admin: dict, lon: float, lat: float) -> int:
    """A finished ingest job of one person in the demo district."""
    body = "\n".join([",".join(PERSON_HEADER), ",".join(map(str, person_row(1, lon, lat)))])
    files = {
        "file": ("people.csv", body.encode(), "text/csv"),
        "map": ("map.yaml", mapping("person", "scope", PERSON_FIELDS, PERSON_VALUES).encode()),
    }
    job = client.post("/api/v1/ingest/person", files=files, headers=admin).json()["job"]
    for _ in range(600):
        if client.get(f"/api/v1/ingest/jobs/{job}", headers=admin).json()["status"] == "done":
            return job
        time.sleep(0.05)
    raise AssertionError(f"ingest job {job} did not finish")


@pytest.fixture(scope="module")
def scope_env(pg_cluster) -> Iterator[tuple[TestClient, Ctx]]:  # type: ignore[no-untyped-def]
    with throwaway_demo(pg_cluster, "gridsvc_route_scope") as (engine, client):
        with engine.connect() as conn:
            grid, foreign = conn.execute(
                text("SELECT min(code), max(code) FROM units WHERE adcode = :a AND level = 'grid'"),
                {"a": DEMO},
            ).one()
            lon, lat = conn.execute(
                text(
                    "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM units "
                    "WHERE code = :c) s"
                ),
                {"c": foreign},
            ).one()
            own_lon, own_lat = conn.execute(
                text(
                    "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM units "
                    "WHERE code = :c) s"
                ),
                {"c": grid},
            ).one()
        with engine.begin() as conn:
            a, b = grid_points(conn, [grid, foreign])
            rows = sample_rows(client.app.state.keyring, a, b)  # type: ignore[attr-defined]
            elements = insert_rows(conn, DEMO, rows)
            add_cameras(conn, [(grid, own_lon, own_lat), (foreign, lon, lat)])
        keys = {}
        for role in ("admin", "operator", "planner", "integrator"):
            keys[role], _ = create_key(engine, role)
        keys["grid_leader"], _ = create_key(engine, "grid_leader", grids=[grid])
        keys["other"], _ = create_key(engine, "admin", district=OTHER_DISTRICT)
        admin = auth(keys["admin"])
        cell = client.get(f"/api/v1/grids/{foreign}/cells", headers=admin).json()["interior"][0]
        layers = client.get("/api/v1/layers", headers=admin).json()["layers"]
        z = 14
        n = 1 << z
        x = int((own_lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(own_lat))) / math.pi) / 2 * n)
        ctx = Ctx(
            grid=grid,
            foreign=foreign,
            lon=lon,
            lat=lat,
            cell=cell,
            layer_id=layers[0]["layer_id"],
            tile=(z, x, y),
            visible=frozenset(grid[:n] for n in (6, 9, 12, 15)),
            keys=keys,
            new_prefix=lambda: create_key(engine, "operator", district=DEMO)[1],
            elements=elements,
            point_tile=tile_at(own_lon, own_lat, 15),
            camera_tile=tile_at(own_lon, own_lat, 16),
            job_id=ingest_job(client, admin, own_lon, own_lat),
            cameras=register_cameras(client, admin, (own_lon, own_lat), (lon, lat)),
        )
        yield client, ctx


def test_every_route_has_a_scope_expectation(scope_env) -> None:  # type: ignore[no-untyped-def]
    client, _ = scope_env
    routes = app_routes(client)
    missing = sorted(routes - TABLE.keys())
    assert not missing, "; ".join(f"route {m} {p} has no scope expectation" for m, p in missing)
    stale = sorted(TABLE.keys() - routes)
    assert not stale, f"expectations for routes the app does not have: {stale}"


def assert_nothing_of_the_demo(r: Response, url: str, kwargs: dict) -> None:
    """The other district's key receives no unit code of the demo district.

    Codes the request itself named (echoed in an error's ``detail``) are not disclosures.
    """
    if r.headers.get("content-type", "").startswith(MVT):
        assert not tile_codes(r)
        return
    shown = r.text
    asked = re.findall(r"\d{6,}", url + json.dumps(kwargs.get("json", "")))
    for token in sorted({t[:n] for t in asked for n in (len(t), 12, 9, 6)}, key=len)[::-1]:
        shown = shown.replace(token, "")  # a code the request named, or its parents
    found = DEMO_CODE.search(shown)
    assert found is None, f"{url}: the other district's key received {found[0]}"


@pytest.mark.parametrize(
    ("method", "path"), sorted(TABLE), ids=[f"{m} {p}" for m, p in sorted(TABLE)]
)
def test_route_scope(scope_env, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    client, ctx = scope_env
    for case in TABLE[(method, path)].cases:
        for role in ROLES:
            key = ctx.keys.get(role, "")
            verb, url, kwargs = case.build(ctx, key)
            headers = {**SAME_SITE, **(auth(key) if key else {})}
            client.cookies.clear()
            r = client.request(verb, url, headers=headers, follow_redirects=False, **kwargs)
            client.cookies.clear()
            assert r.status_code == case.status[role], (role, verb, url, r.text[:300])
            if r.status_code >= 400 and not r.headers["content-type"].startswith("text/html"):
                assert r.headers["content-type"] == "application/problem+json", (role, url)
            if role == "other":
                assert_nothing_of_the_demo(r, url, kwargs)
            if case.check and r.status_code < 300:
                case.check(role, r, ctx)
