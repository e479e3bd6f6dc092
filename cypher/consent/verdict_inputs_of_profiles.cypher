// `verdict_inputs` for several profiles at once, in one read: the purpose's default (null if
// the workspace has no such purpose) and, per profile asked for, its decisions on that purpose
// given with its identifiers, oldest first (a merged profile id follows its lineage to the
// profile that holds its identifiers now, and the decisions come back under the id asked for).
OPTIONAL MATCH (pp:Purpose {key: $ws + ':' + $purpose})
WITH CASE WHEN pp IS NULL THEN null ELSE coalesce(pp.default_granted, false) END
     AS default_granted
RETURN default_granted, COLLECT {
  UNWIND $ids AS pid
  MATCH (start:Profile {id: pid, ws: $ws})
  OPTIONAL MATCH (start)-[:MERGED_INTO*1..32]->(end:Profile {status: 'active'})
  WITH pid, coalesce(end, start) AS p
  MATCH (p)<-[:OF]-(i:Identifier)-[:GAVE]->(c:Consent {purpose: $purpose})
  WITH pid, c, i ORDER BY c.at, c.id
  RETURN c {profile: pid, .id, .purpose, .granted, .at, .source, .expires_at, .event,
            identifier_type: i.type}
} AS decisions
