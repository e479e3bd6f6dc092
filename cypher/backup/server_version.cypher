// The Neo4j server's version and edition (recorded in a backup's manifest).
CALL dbms.components() YIELD name, versions, edition
WHERE name = 'Neo4j Kernel'
RETURN versions[0] AS version, edition
