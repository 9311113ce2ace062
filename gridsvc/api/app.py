"""The application factory: settings in, app out; the database opens in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from gridsvc import __version__
from gridsvc.api import openapi, problems
from gridsvc.api.limits import BodyLimits
from gridsvc.api.routes import (
    audit,
    camera_events,
    camera_health,
    camera_vendors,
    cameras,
    coverage,
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
from gridsvc.ratelimit import RateLimits
from gridsvc.services.camera_directory import CameraDirectory, EventPolicy
from gridsvc.services.camera_health import CameraSweeper, policy_of
from gridsvc.services.camera_partitions import PartitionKeeper
from gridsvc.services.cells import LocatorCache
from gridsvc.services.ingest_jobs import JobRunner
from gridsvc.services.keys import PrincipalCache
from gridsvc.settings import Settings, get_settings
from maps.routes import pages as map_pages
from maps.routes import tiles as map_tiles
from maps.tiles import TileCache


def event_policy(settings: Settings) -> EventPolicy:
    """The limits camera-event ingest applies, from the settings."""
    return EventPolicy(
        settings.camera_event_retention_days,
        timedelta(seconds=settings.camera_offline_after_seconds),
    )


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
            app.state.cameras = CameraDirectory(engine, event_policy(settings))
            rate = settings.camera_events_per_second
            app.state.camera_rates = RateLimits(rate, burst=2 * rate)
            keeper = PartitionKeeper(engine, settings.camera_event_retention_days)
            keeper.start()
            stack.callback(keeper.close)
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
    app.include_router(camera_vendors.router)  # before ingest: its /{kind} would shadow it
    app.include_router(ingest.router)
    app.include_router(camera_events.router)
    # /api/v1/cameras/health and /seeing before the registry: its /{device_id} would shadow them
    app.include_router(camera_health.router)
    app.include_router(coverage.router)
    app.include_router(cameras.router)
    map_pages.install(app)  # /map pages, local basemap tiles, /static/map and /static/vendor
    app.include_router(map_tiles.router)
    openapi.install(app)
    return app
