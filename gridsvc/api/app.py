"""The application factory: settings in, app out; the database opens in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager

from fastapi import FastAPI

from gridsvc import __version__
from gridsvc.api import openapi, problems
from gridsvc.api.limits import BodyLimits
from gridsvc.api.routes import (
    audit,
    camera_health,
    elements,
    grids,
    health,
    ingest,
    keys,
    layers,
    locate,
    session,
)
from gridsvc.db.connect import database_url, make_engine
from gridsvc.db.migrate import upgrade
from gridsvc.keyfiles import keyring, session_secret
from gridsvc.services.camera_health import CameraSweeper, policy_of
from gridsvc.services.cells import LocatorCache
from gridsvc.services.ingest_jobs import JobRunner
from gridsvc.services.keys import PrincipalCache
from gridsvc.settings import Settings, get_settings
from maps.routes import pages as map_pages
from maps.routes import tiles as map_tiles
from maps.tiles import TileCache


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API; engines open on startup and close on shutdown."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with ExitStack() as stack:
            url = stack.enter_context(database_url(settings))
            upgrade(url)
            engine = make_engine(url, settings.db_pool_size)
            stack.callback(engine.dispose)
            app.state.engine = engine
            app.state.locators = LocatorCache(settings.h3_resolution)
            app.state.principals = PrincipalCache(settings.key_cache_seconds)
            app.state.session_secret = session_secret(settings)
            app.state.keyring = keyring(settings)
            runner = JobRunner(engine, app.state.keyring, app.state.locators)
            stack.callback(runner.close)
            app.state.ingest_runner = runner
            tiles = TileCache(engine, settings.tile_cache_entries)
            tiles.open()
            stack.callback(tiles.close)
            app.state.tiles = tiles
            sweeper = CameraSweeper(
                engine,
                policy_of(settings),
                settings.camera_sweep_seconds,
                settings.camera_event_retention_days,
            )
            sweeper.start()
            stack.callback(sweeper.stop)
            app.state.camera_sweeper = sweeper
            yield

    app = FastAPI(
        title=settings.api_title,
        version=__version__,
        description="Grid-based urban governance: the unified grid hierarchy of a district.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_middleware(BodyLimits, settings=settings)  # before any body is read
    problems.install(app)  # after the other middleware: its catch-all is outermost
    app.include_router(health.router)
    app.include_router(session.router)
    app.include_router(grids.router)
    app.include_router(elements.router)
    app.include_router(layers.router)
    app.include_router(locate.router)
    app.include_router(keys.router)
    app.include_router(audit.router)
    app.include_router(ingest.router)
    # /api/v1/cameras/health before the registry's router (its /api/v1/cameras/{device_id})
    app.include_router(camera_health.router)
    map_pages.install(app)  # /map pages, local basemap tiles, /static/map and /static/vendor
    app.include_router(map_tiles.router)
    openapi.install(app)
    return app
