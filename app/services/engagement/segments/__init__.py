"""Real-time segments: compiled to parameterised Cypher, evaluated only where inputs changed."""
