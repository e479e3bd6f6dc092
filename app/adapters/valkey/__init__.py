"""Valkey (or Redis): the event stream, dead letters, the change feed and the names of every key."""
