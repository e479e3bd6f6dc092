// The current profile of each identifier key (for change notices that name owners).
UNWIND $keys AS key
MATCH (:Identifier {key: key})-[:OF]->(p:Profile)
RETURN key, p.id AS profile
