// For each profile id (merged ids follow their lineage): the active profile and its oldest
// identifier, which a manual merge links.
UNWIND $ids AS pid
MATCH (p:Profile {id: pid, ws: $ws})
OPTIONAL MATCH (p)-[:MERGED_INTO*1..32]->(end:Profile {status: 'active'})
WITH pid, coalesce(end, p) AS active
MATCH (active)<-[:OF]-(i:Identifier)
WITH pid, active, i ORDER BY i.first_seen, i.key
WITH pid, active, collect(i.key)[0] AS representative
RETURN pid AS requested, active.id AS active, active.status AS status, representative
