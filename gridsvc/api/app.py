"""The application factory: settings in, app out; the database opens in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager

from fastapi import FastAPI

from gridsvc import __version__
from gridsvc.api import problems
from gridsvc.api.routes import grids, health, layers, locate
from gridsvc.db.connect import database_url, make_engine
from gridsvc.db.migrate import upgrade
from gridsvc.services.cells import LocatorCache
from gridsvc.services.keys import PrincipalCache
from gridsvc.settings import Settings, get_settings


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
            yield

    app = FastAPI(
        title=settings.api_title,
        version=__version__,
        description="Grid-based urban governance: the unified grid hierarchy of a district.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    problems.install(app)
    app.include_router(health.router)
    app.include_router(grids.router)
    app.include_router(layers.router)
    app.include_router(locate.router)
    return app
