// Attach the identifiers this transaction claimed (identity/claim_identifiers) for components
// decided before the write to their profiles (created by the same transaction).
CYPHER replan=skip
UNWIND $rows AS row
MATCH (i:Identifier {key: row.key})
USING INDEX SEEK i:Identifier(key)
MATCH (p:Profile {id: row.profile})
USING INDEX SEEK p:Profile(id)
CREATE (i)-[:OF]->(p)
RETURN count(i) AS attached
