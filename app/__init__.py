"""A graph-native Customer Data Platform: identity graph, profiles and consent on Neo4j."""

__version__ = "0.1.0"
