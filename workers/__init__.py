"""arq worker settings and thin job functions that call the same services as the API."""
