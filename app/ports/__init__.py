"""Ports: what the services need from storage, as `Protocol`s with typed rows.

A service names what it wants (`decisions_of(profile)`), never a Cypher file; the adapters in
`app/adapters/stores/` answer with Neo4j, the fakes in `tests/fakes/` in memory. Ports import
only the domain, so both sides can depend on them.
"""
