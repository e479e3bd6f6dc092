"""Local development services: Neo4j from Maven Central and an embedded Valkey, no Docker."""
