"""What FastAPI handlers are given: the process's container, built in the app's lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from app.bootstrap import Container


def container_of(connection: HTTPConnection) -> Container:
    """The container of the app serving this request or WebSocket."""
    container: Container = connection.app.state.container
    return container


#: A handler's parameter `container: ContainerDep` receives the container.
ContainerDep = Annotated[Container, Depends(container_of)]
