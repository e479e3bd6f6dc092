"""The composition root: the one place that builds the clients, the stores and the services
into a `Container` (FastAPI's lifespan and arq's on_startup both call `build_container`)."""

from app.bootstrap.container import Container, arq_queue, redis_settings
from app.bootstrap.stages import build_container

__all__ = ["Container", "arq_queue", "build_container", "redis_settings"]
