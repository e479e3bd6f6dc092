// Every consent decision given with the identifiers of a profile (merged ids follow their
// lineage), oldest first: the history, from which the effective consent is computed.
MATCH (start:Profile {id: $id, ws: $ws})
OPTIONAL MATCH (start)-[:MERGED_INTO*1..32]->(end:Profile {status: 'active'})
WITH coalesce(end, start) AS p
MATCH (p)<-[:OF]-(i:Identifier)-[:GAVE]->(c:Consent)
RETURN c.id AS id, c.purpose AS purpose, c.granted AS granted, c.at AS at,
       c.source AS source, c.expires_at AS expires_at, c.event AS event,
       i.type AS identifier_type
ORDER BY c.at, c.id
