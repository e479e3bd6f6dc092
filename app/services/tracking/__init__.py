"""Tracking: accepting messages into the stream, the stream-fed resolver, sources, dead letters."""
