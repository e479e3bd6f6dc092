// Links refused since $since because the union would hold too many values of a capped type
// ($refusals: `type_cap:<type>` for each type that is not a session type): for each, the two
// values contending, the oldest value of that type in each end's profile. A pair already
// filed is left out; at most $limit pairs.
MATCH (a:Identifier)-[l:LINKED]->(b:Identifier)
WHERE l.refusal IN $refusals AND l.decided_at >= $since AND a.ws = $ws
MATCH (a)-[:OF]->(pa:Profile), (b)-[:OF]->(pb:Profile)
WHERE pa <> pb
WITH DISTINCT pa, pb, l.refusal AS refusal, substring(l.refusal, 9) AS kind
CALL (pa, kind) {
  MATCH (pa)<-[:OF]-(t:Identifier {type: kind})
  RETURN t.key AS ta ORDER BY t.first_seen, t.key LIMIT 1
}
CALL (pb, kind) {
  MATCH (pb)<-[:OF]-(t:Identifier {type: kind})
  RETURN t.key AS tb ORDER BY t.first_seen, t.key LIMIT 1
}
WITH DISTINCT CASE WHEN ta < tb THEN ta ELSE tb END AS x,
     CASE WHEN ta < tb THEN tb ELSE ta END AS y, refusal
WHERE x <> y
  AND NOT EXISTS { MATCH (:Suggestion {ws: $ws, subject: 'contended:' + x + '|' + y}) }
RETURN x AS a, y AS b, min(refusal) AS refusal
LIMIT toInteger($limit)
