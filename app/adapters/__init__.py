"""Adapters: Neo4j, Valkey, the key store; the only modules that do I/O."""
