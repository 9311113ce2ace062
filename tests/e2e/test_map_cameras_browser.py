"""Cameras on the command map in Chromium: the demo's cameras of 510104 drawn with their
view sectors and coverage, a click on a camera opening its card (device ID decoded,
department, status from the tile; then the registry's details and the camera's latest
events, its status history and an ANPR picture from the API), in Chinese then English.

Same server and rules as ``test_map_browser`` (every request outside 127.0.0.1 aborted).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, text

from cameras.simulate import tiny_jpeg
from gridsvc.demo.load import load_cameras
from gridsvc.repositories import camera_events as events_repo
from gridsvc.services.keys import create_key
from tests.e2e.test_map_browser import (  # noqa: F401 (the playwright fixture)
    CHROMIUM,
    CHROMIUM_ARGS,
    LOCAL_HOSTS,
    _artifacts,
    playwright,
)

pytestmark = pytest.mark.e2e
SCALE = 0.25  # ~470 cameras


@pytest.fixture(scope="module")
def camera(engine: Engine, demo_district: str) -> dict:
    """The demo cameras loaded; the police camera farthest from any other, online with a
    video-loss alarm, and its grid's coverage set to 30 % with a blind spot around it."""
    load_cameras(engine, demo_district, 7, scale=SCALE)
    with engine.begin() as conn:
        device_id, grid, lon, lat = conn.execute(
            text(
                "SELECT c.device_id, c.grid_code, ST_X(c.geom), ST_Y(c.geom) FROM cameras c "
                "WHERE c.adcode = :a AND c.department = 'police' AND c.device_type = '132' "
                "ORDER BY (SELECT min(ST_Distance(c.geom, o.geom)) FROM cameras o "
                "WHERE o.adcode = c.adcode AND o.device_id <> c.device_id "
                "AND o.device_type = '132') DESC, c.device_id LIMIT 1"
            ),
            {"a": demo_district},
        ).one()
        conn.execute(
            text(
                "UPDATE cameras SET status = 'online', status_since = now(), last_seen = now(), "
                "alarms = '{video_loss}' WHERE adcode = :a AND device_id = :d"
            ),
            {"a": demo_district, "d": device_id},
        )
        conn.execute(
            text(
                "INSERT INTO grid_coverage (adcode, grid_code, area_m2, covered_m2, share, blind, "
                "cameras) SELECT adcode, code, area_m2, area_m2 * 0.3, 0.3, ST_Multi(ST_Difference("
                "geom, ST_Buffer(ST_SetSRID(ST_Point(:x, :y), 4326), 0.0004))), 1 FROM units "
                "WHERE adcode = :a AND code = :g ON CONFLICT (adcode, grid_code) DO UPDATE SET "
                "covered_m2 = excluded.covered_m2, share = excluded.share, "
                "blind = excluded.blind, cameras = excluded.cameras"
            ),
            {"a": demo_district, "g": grid, "x": lon, "y": lat},
        )
        picture = add_events(conn, demo_district, device_id, grid)
    return {"device_id": device_id, "grid": grid, "lon": lon, "lat": lat, "picture": picture}


def add_events(conn, adcode: str, device_id: str, grid: str) -> str:  # type: ignore[no-untyped-def]
    """The camera's status history (offline, then online) and an ANPR event with a picture,
    stored as the event service stores them; the picture's id."""
    jpeg = tiny_jpeg(7)
    picture = hashlib.sha256(jpeg).hexdigest()
    now = datetime.now(UTC).replace(microsecond=0)
    events = [
        ("system:offline:e2e", now - timedelta(minutes=30), "offline", "system", None, []),
        ("system:online:e2e", now - timedelta(minutes=10), "online", "system", None, []),
        ("anpr-e2e-1", now - timedelta(minutes=1), "anpr", "isapi", "云D12345", [picture]),
    ]
    for day in {events_repo.day_of(at) for _, at, *_ in events}:
        events_repo.create_partition(conn, day)
    conn.execute(
        text(
            "INSERT INTO camera_pictures (adcode, picture_id, camera_id, content_type, size, data) "
            "VALUES (:a, :p, :d, 'image/jpeg', :n, :b)"
        ),
        {"a": adcode, "p": picture, "d": device_id, "n": len(jpeg), "b": jpeg},
    )
    conn.execute(
        text(
            "INSERT INTO camera_events (adcode, camera_id, occurred_at, event_id, type, source, "
            "grid_code, label, pictures) VALUES (:a, :d, :t, :e, :type, :src, :g, :label, :pics)"
        ),
        [
            {
                "a": adcode,
                "d": device_id,
                "t": at,
                "e": eid,
                "type": kind,
                "src": source,
                "g": grid,
                "label": label,
                "pics": pics,
            }
            for eid, at, kind, source, label, pics in events
        ],
    )
    return picture


def test_camera_layers_and_card_in_chromium(server: str, engine: Engine, camera: dict) -> None:
    key, _ = create_key(engine, "operator", name="e2e cameras")
    attempted: list[str] = []
    errors: list[str] = []
    tiles: dict[str, int] = {}

    def only_local(route) -> None:  # type: ignore[no-untyped-def]
        url = urlsplit(route.request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL_HOSTS:
            attempted.append(route.request.url)
            route.abort()
            return
        route.continue_()

    def seen(response) -> None:  # type: ignore[no-untyped-def]
        path = urlsplit(response.url).path
        if path.startswith(("/tiles/cameras/", "/tiles/coverage/")):
            layer = path.split("/")[2]
            tiles[layer] = tiles.get(layer, 0) + (response.status == 200)

    device_id = camera["device_id"]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 900})
            context.route("**/*", only_local)
            context.set_extra_http_headers({"Authorization": f"Bearer {key}"})
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("response", seen)

            layers = "district,grids,cameras,sectors,coverage"
            view = f"#18/{camera['lat']:.7f}/{camera['lon']:.7f}&layers={layers}"
            page.goto(f"{server}/map{view}")
            page.wait_for_function("document.body.dataset.gridLayer === 'ready'", timeout=30_000)
            page.wait_for_function("document.body.dataset.tiles === 'ready'", timeout=30_000)

            # the camera layer drew the camera (its tile's points), with sectors and coverage
            drawn = page.evaluate(
                "() => Object.values(GridMap.cameraLayer.gsPoints).flat()"
                ".map(p => p.props.device_id)"
            )
            assert device_id in drawn
            assert tiles.get("cameras", 0) > 0 and tiles.get("coverage", 0) > 0
            control = page.inner_text("#gs-layers-body")
            assert "摄像机（状态）" in control and "可视范围" in control and "盲区" in control
            legend = page.inner_text("#gs-legend-body")
            assert "在线" in legend and "未上线" in legend and "网格视频覆盖率" in legend

            # click the camera: its card, from the tile at once
            x, y = page.evaluate(
                "([lat, lon]) => { const p = GridMap.map.latLngToContainerPoint("
                "GridMap.ctx.datum.toDisplay(lat, lon)); return [p.x, p.y]; }",
                [camera["lat"], camera["lon"]],
            )
            box = page.locator(".folium-map").bounding_box()
            assert box is not None
            page.mouse.click(box["x"] + x, box["y"] + y)
            page.wait_for_selector("#gs-camera-body [data-field='device_id']", timeout=15_000)
            # the registry and event calls settle (answered or not); the card keeps the tile's
            page.wait_for_function(
                "!document.querySelector('#gs-camera-body').textContent.includes('加载中')",
                timeout=15_000,
            )

            def field(name: str) -> str:
                return page.inner_text(f"#gs-camera-body [data-field='{name}']").strip()

            assert field("device_id") == device_id
            assert field("department") == "公安"
            assert field("status").startswith("在线")
            assert "视频丢失" in field("alarms")
            assert field("grid_code") == camera["grid"]
            assert field("decoded.type").startswith("132") and "网络摄像机" in field("decoded.type")
            assert field("decoded.network").startswith("5") and "公安信息网" in field(
                "decoded.network"
            )
            assert field("decoded.centre") == f"{device_id[:6]} · {device_id[6:8]}"
            assert page.evaluate("GridMap.panel.state.locate") is None  # not a point lookup

            # from the API: the registry's details and the latest events with the picture
            events = page.locator("#gs-camera-body [data-field='events'] li")
            assert events.count() == 3
            assert (
                "车牌识别" in events.first.inner_text() and "云D12345" in events.first.inner_text()
            )
            history = field("history")
            assert history.index("离线") < history.index("上线")
            thumb = page.locator("#gs-camera-body img.gs-thumb")
            assert camera["picture"] in (thumb.get_attribute("src") or "")
            thumb.scroll_into_view_if_needed()
            page.wait_for_function(
                "() => { const i = document.querySelector('#gs-camera-body img.gs-thumb');"
                " return i && i.complete && i.naturalWidth === 8; }",
                timeout=15_000,
            )
            assert "camera.detailsUnavailable" not in page.inner_text("#gs-camera-body")
            assert "设备详情暂不可用" not in page.inner_text("#gs-camera-body")

            # the grid card's camera section (the card API's `cameras`), as profile.js draws it
            summary = {
                "total": 3,
                "by_department": {"police": 2, "traffic": 1},
                "by_status": {"online": 1, "offline": 1, "never_seen": 1},
                "coverage_share": 0.4234,
            }
            page.evaluate(
                "c => { const box = GridMap.renderProfile({cameras: c}); box.id = 'gs-test-card'; "
                "document.body.appendChild(box); }",
                summary,
            )

            def card(path: str) -> str:
                return page.inner_text(f"#gs-test-card [data-path='{path}']").strip()

            assert card("cameras.coverage_share") == "42.3%"
            assert card("cameras.by_department.police") == "2"
            assert card("cameras.by_status.never_seen") == "1"
            section = page.inner_text("#gs-test-card")
            assert "视频监控" in section and "公安" in section and "未上线" in section
            page.evaluate("document.getElementById('gs-test-card').remove()")

            # English labels
            page.click("#gs-lang")
            assert field("department") == "Police"
            assert field("status").startswith("Online")
            assert "Device ID" in page.inner_text("#gs-camera-body")
            assert field("device_id") == device_id
            page.screenshot(path=str(_artifacts() / "map-cameras.png"))
        finally:
            browser.close()
    assert attempted == [], f"requests outside localhost were attempted: {attempted}"
    assert errors == [], f"errors in the page: {errors}"
