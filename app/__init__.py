"""A graph-native Customer Data Platform: identity graph, profiles and consent on Neo4j."""

from app.driver_imports import import_driver_without_pandas

__version__ = "0.1.0"

import_driver_without_pandas()
