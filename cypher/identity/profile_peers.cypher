// Identifiers sharing a profile with the given ones (to recompute a cluster that loses a
// newly generic identifier's links).
UNWIND $keys AS k
MATCH (:Identifier {key: k})-[:OF]->(:Profile)<-[:OF]-(j:Identifier)
RETURN DISTINCT j.key AS key
