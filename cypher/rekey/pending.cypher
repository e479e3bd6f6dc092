// Blind-index rotation: the next identifiers still keyed under an old kid, each with the
// other old-kid identifiers of its profile (a profile is re-keyed whole, so its survivorship
// never compares values hashed under two kids). Identifiers that could not be opened, and
// those of subjects being erased, wait aside. (No ORDER BY: the index seek stops at $limit.)
MATCH (i:Identifier)
WHERE i.kid IN $old AND i.ws = $ws AND i.rekey_blocked IS NULL AND NOT i.key IN $held
WITH i LIMIT $limit
OPTIONAL MATCH (i)-[:OF]->(p:Profile)
OPTIONAL MATCH (p)<-[:OF]-(sibling:Identifier)
  WHERE sibling.kid IN $old AND sibling.rekey_blocked IS NULL AND NOT sibling.key IN $held
WITH collect(DISTINCT i) + collect(DISTINCT sibling) AS found
UNWIND found AS n
WITH DISTINCT n
RETURN n.key AS key, n.type AS type, n.enc AS enc
ORDER BY key
