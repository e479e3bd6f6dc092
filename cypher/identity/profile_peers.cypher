// Identifiers sharing a profile with the given ones (to recompute a cluster that loses a
// newly generic identifier's links).
CYPHER replan=skip
UNWIND $keys AS k
MATCH (i:Identifier {key: k})-[:OF]->(:Profile)<-[:OF]-(j:Identifier)
USING INDEX SEEK i:Identifier(key)
RETURN DISTINCT j.key AS key
