"""Use cases over ports: what the API, the CLI and the worker call."""
