"""Import the Neo4j driver without its optional pandas support.

The driver imports pandas when it is installed (it is: the record-linkage scorer needs it) and
then checks every value it packs against pandas' types and missing values, in every process
that talks to Neo4j: the API, the resolver, the worker. Nothing here sends pandas objects to
Neo4j. Importing the driver while pandas reads as absent keeps that work out; pandas itself
stays importable afterwards, for the likely-same-person scan
(docs/benchmarks.md, "The review queue and values that pass on").
"""

from __future__ import annotations

import sys


def import_driver_without_pandas() -> None:
    """Import `neo4j` with `pandas` hidden, once, before anything else imports it."""
    if "neo4j" in sys.modules:
        return
    hidden = "pandas" not in sys.modules
    if hidden:
        sys.modules["pandas"] = None  # type: ignore[assignment]  # `import pandas` fails
    try:
        import neo4j
        import neo4j._codec._types
        import neo4j._codec.hydration.bolt.v1.hydration_handler  # noqa: F401
    finally:
        if hidden:
            del sys.modules["pandas"]
