// One breadth-first step over evidence: each frontier identifier with its neighbours.
// A generic identifier (too many neighbours) is returned but not expanded through.
UNWIND $keys AS k
MATCH (i:Identifier {key: k})
WITH i, COLLECT {
  MATCH (i)-[:LINKED]-(j:Identifier) WHERE NOT j.blocked
  RETURN DISTINCT j.key LIMIT $max_degree + 1
} AS neighbours
RETURN i.key AS key, i.type AS type, i.first_seen AS first_seen, i.blocked AS blocked,
       i.generic AS stored_generic,
       size(neighbours) > $max_degree AS generic,
       CASE WHEN size(neighbours) > $max_degree OR i.blocked THEN [] ELSE neighbours END
         AS neighbours
