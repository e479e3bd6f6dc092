// One breadth-first step over evidence: each frontier identifier with its profile and, unless
// it is blocked or generic (too many neighbours), its LINKED and NEVER edges.
UNWIND $keys AS k
MATCH (i:Identifier {key: k})
OPTIONAL MATCH (i)-[:OF]->(p:Profile)
WITH i, p, size(COLLECT {
  MATCH (i)-[:LINKED]-(j:Identifier) WHERE NOT j.blocked
  RETURN DISTINCT j.key LIMIT $max_degree + 1
}) > $max_degree AS generic
RETURN i.key AS key, i.type AS type, i.first_seen AS first_seen, i.blocked AS blocked,
       i.generic AS stored_generic, generic, p.id AS profile, p.created_at AS created_at,
       CASE WHEN generic OR i.blocked THEN [] ELSE COLLECT {
         MATCH (i)-[l:LINKED|NEVER]-(:Identifier)
         RETURN {a: startNode(l).key, b: endNode(l).key, kind: type(l), rule: l.rule,
                 at: l.first_seen, count: l.count, followed: l.followed, refusal: l.refusal,
                 source: l.source, last_seen: l.last_seen}
       } END AS edges
