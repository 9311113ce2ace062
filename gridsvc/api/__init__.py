"""HTTP adapter: FastAPI app factory, dependencies, problem responses and routers."""
