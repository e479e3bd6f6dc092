"""In-memory fakes of the ports in `app/ports/`, for service tests that run in milliseconds.

Each fake keeps the semantics its Neo4j store has (ordering, defaults, workspaces); the contract
tests in tests/integration/contracts/ run the same checks against both, so a fake cannot drift
from the adapter it stands for.
"""
