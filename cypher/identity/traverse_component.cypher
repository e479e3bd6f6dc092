// The component of the seeds in one query: every identifier reached over LINKED and NEVER
// edges, not through blocked or generic ones (more than $max_degree neighbours of types other
// than the session types $uncounted; or, for a type in $contended, more than $max_rivals of its
// session identifiers shared with more than $max_rivals other values of its type: counted here
// only for values already flagged, to confirm them, since the resolver finds new ones in the
// component it loads), with its depth (the seed's own plus its distance). One shortest path per reached identifier (ANY SHORTEST: a breadth-first
// search that visits each node once, never enumerating paths); the predicate on `a` keeps
// closed identifiers from being walked through, not from being reached. At most $rows paths
// are read, so a component over the node cap stops the search (the caller then loads it the
// bounded way).
// Each row: the identifier with its profile; an open identifier's outgoing edges (each edge is
// stored once, from the smaller key), a closed one's edges to the identifiers found here; for
// one turning generic (computed, not yet stored), the identifiers sharing its profile.
// all_if_possible: the search starts from the seeds. (Left to its estimates, the planner
// chose, for more than one seed, to pair each seed with every node and search between them.)
CYPHER replan=skip statefulShortestPlanningMode=all_if_possible
UNWIND $seeds AS seed
MATCH (s:Identifier {key: seed.key})
USING INDEX SEEK s:Identifier(key)
MATCH path = ANY SHORTEST (s) ((a:Identifier)-[:LINKED|NEVER]-()
  WHERE NOT coalesce(a.blocked, false) AND COUNT {
    MATCH (a)-[:LINKED]-(j:Identifier) WHERE NOT j.blocked AND NOT j.type IN $uncounted
    RETURN DISTINCT j.key LIMIT $max_degree + 1
  } <= $max_degree AND NOT
    CASE WHEN NOT a.type IN $contended OR NOT coalesce(a.generic, false)
        OR COUNT { (a)-[:LINKED]-() } <= $max_rivals THEN false
      WHEN COUNT {
        MATCH (a)-[:LINKED]-(x:Identifier)
        WHERE x.type IN $uncounted AND NOT x.blocked AND EXISTS {
          MATCH (x)-[:LINKED]-(u:Identifier) WHERE u.type = a.type AND u <> a AND NOT u.blocked
        }
        RETURN DISTINCT x.key LIMIT $max_rivals + 1
      } <= $max_rivals THEN false
      ELSE COUNT {
        MATCH (a)-[:LINKED]-(x:Identifier)-[:LINKED]-(u:Identifier)
        WHERE x.type IN $uncounted AND NOT x.blocked AND u.type = a.type AND u <> a
          AND NOT u.blocked
        RETURN DISTINCT u.key LIMIT $max_rivals + 1
      } > $max_rivals
    END)* (i)
WITH i, seed.depth + length(path) AS depth
LIMIT $rows
WITH i, min(depth) AS depth
ORDER BY depth, i.key
WITH collect({i: i, depth: depth}) AS found
WITH found, [f IN found | f.i.key] AS keys
UNWIND found AS f
WITH keys, f.i AS i, f.depth AS depth
OPTIONAL MATCH (i)-[:OF]->(p:Profile)
WITH keys, i, depth, p, COLLECT {
  MATCH (i)-[:LINKED]-(j:Identifier) WHERE NOT j.blocked AND NOT j.type IN $uncounted
  RETURN DISTINCT j.key LIMIT $max_degree + 1
} AS sample
WITH keys, i, depth, p, size(sample) > $max_degree OR
  CASE WHEN NOT i.type IN $contended OR NOT coalesce(i.generic, false)
        OR COUNT { (i)-[:LINKED]-() } <= $max_rivals THEN false
    WHEN COUNT {
      MATCH (i)-[:LINKED]-(x:Identifier)
      WHERE x.type IN $uncounted AND NOT x.blocked AND EXISTS {
        MATCH (x)-[:LINKED]-(u:Identifier) WHERE u.type = i.type AND u <> i AND NOT u.blocked
      }
      RETURN DISTINCT x.key LIMIT $max_rivals + 1
    } <= $max_rivals THEN false
    ELSE COUNT {
      MATCH (i)-[:LINKED]-(x:Identifier)-[:LINKED]-(u:Identifier)
      WHERE x.type IN $uncounted AND NOT x.blocked AND u.type = i.type AND u <> i
        AND NOT u.blocked
      RETURN DISTINCT u.key LIMIT $max_rivals + 1
    } > $max_rivals
  END AS generic
WITH keys, i, depth, p, generic, generic OR i.blocked AS closed
// One record holding every row: far cheaper to receive than one record per identifier.
RETURN collect({
  key: i.key, type: i.type, first_seen: i.first_seen, blocked: i.blocked,
  stored_generic: i.generic, generic: generic, profile: p.id, created_at: p.created_at,
  depth: depth, closed: coalesce(closed, false),
  peers: CASE WHEN generic AND NOT coalesce(i.generic, false) THEN COLLECT {
    MATCH (i)-[:OF]->(:Profile)<-[:OF]-(j:Identifier) RETURN DISTINCT j.key
  } ELSE [] END,
  edges: CASE WHEN closed THEN COLLECT {
    MATCH (i)-[l:LINKED|NEVER]-(j:Identifier) WHERE j.key IN keys
    RETURN {a: startNode(l).key, b: endNode(l).key, kind: type(l), rule: l.rule,
            at: l.first_seen, count: l.count, followed: l.followed, refusal: l.refusal,
            source: l.source, last_seen: l.last_seen}
  } ELSE COLLECT {
    MATCH (i)-[l:LINKED|NEVER]->(j:Identifier)
    RETURN {a: i.key, b: j.key, kind: type(l), rule: l.rule, at: l.first_seen, count: l.count,
            followed: l.followed, refusal: l.refusal, source: l.source, last_seen: l.last_seen}
  } END
}) AS rows
