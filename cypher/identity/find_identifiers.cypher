// Identifiers by key, with their active profile (following merges) if any.
UNWIND $keys AS k
MATCH (i:Identifier {key: k})
USING INDEX SEEK i:Identifier(key)
OPTIONAL MATCH (i)-[:OF]->(p:Profile)
RETURN i.key AS key, i.type AS type, i.blocked AS blocked, i.generic AS generic,
       p.id AS profile
