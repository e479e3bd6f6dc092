// One breadth-first step over evidence: each frontier identifier with its profile, the keys
// of its neighbours and, unless it is blocked or generic (too many neighbours), its outgoing
// LINKED and NEVER edges (each edge is stored once, from the smaller key, so every edge
// between expanded identifiers comes back exactly once).
UNWIND $keys AS k
MATCH (i:Identifier {key: k})
OPTIONAL MATCH (i)-[:OF]->(p:Profile)
WITH i, p, COLLECT {
  MATCH (i)-[:LINKED]-(j:Identifier) WHERE NOT j.blocked
  RETURN DISTINCT j.key LIMIT $max_degree + 1
} AS sample
WITH i, p, size(sample) > $max_degree AS generic
WITH i, p, generic, generic OR i.blocked AS closed
RETURN i.key AS key, i.type AS type, i.first_seen AS first_seen, i.blocked AS blocked,
       i.generic AS stored_generic, generic, p.id AS profile, p.created_at AS created_at,
       CASE WHEN closed THEN [] ELSE COLLECT {
         MATCH (i)-[:LINKED|NEVER]-(j:Identifier) RETURN DISTINCT j.key
       } END AS neighbours,
       CASE WHEN closed THEN [] ELSE COLLECT {
         MATCH (i)-[l:LINKED|NEVER]->(j:Identifier)
         RETURN {b: j.key, kind: type(l), rule: l.rule, at: l.first_seen, count: l.count,
                 followed: l.followed, refusal: l.refusal, source: l.source,
                 last_seen: l.last_seen}
       } END AS edges
