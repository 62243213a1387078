"""Web layer: FastAPI app factory, dependencies, error mapping, permissions, API routers."""
