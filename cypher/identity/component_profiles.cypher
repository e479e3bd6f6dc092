// The current active profile of each identifier, with its creation time.
UNWIND $keys AS k
MATCH (i:Identifier {key: k})-[:OF]->(p:Profile)
RETURN i.key AS key, p.id AS profile, p.created_at AS created_at
