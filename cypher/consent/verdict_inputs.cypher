// What "may we use this profile for this purpose now?" is decided from, in one read: the
// purpose's default (null if the workspace has no such purpose) and every decision on that
// purpose given with the profile's identifiers (merged ids follow their lineage), oldest first.
OPTIONAL MATCH (pp:Purpose {key: $ws + ':' + $purpose})
WITH CASE WHEN pp IS NULL THEN null ELSE coalesce(pp.default_granted, false) END
     AS default_granted
OPTIONAL MATCH (start:Profile {id: $id, ws: $ws})
OPTIONAL MATCH (start)-[:MERGED_INTO*1..32]->(end:Profile {status: 'active'})
WITH default_granted, coalesce(end, start) AS p
OPTIONAL MATCH (p)<-[:OF]-(i:Identifier)-[:GAVE]->(c:Consent {purpose: $purpose})
WITH default_granted, c, i ORDER BY c.at, c.id
RETURN default_granted,
       collect(CASE WHEN c IS NULL THEN null
                    ELSE c {.id, .purpose, .granted, .at, .source, .expires_at, .event,
                            identifier_type: i.type} END) AS decisions
