// The current profile of each identifier key (for change notices that name owners), in this
// workspace only: a key of another workspace finds nothing.
UNWIND $keys AS key
MATCH (i:Identifier {key: key})-[:OF]->(p:Profile)
WHERE i.ws = $ws
RETURN key, p.id AS profile
