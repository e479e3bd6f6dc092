"""Entry points: the HTTP API, the GraphQL schema and the `cdp` command line."""
