"""Neo4j implementations of the ports in `app/ports/`: each names its Cypher files and turns
their rows into the port's types. One store per capability, one workspace per store."""
