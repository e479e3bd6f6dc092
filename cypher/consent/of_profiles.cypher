// Consent decisions for one purpose across the identifiers of several profiles at once, as
// `verdict_inputs` reads them for one: a merged profile id follows its lineage to the profile
// that holds its identifiers now, and the decisions come back under the id asked for.
UNWIND $ids AS pid
MATCH (start:Profile {id: pid, ws: $ws})
OPTIONAL MATCH (start)-[:MERGED_INTO*1..32]->(end:Profile {status: 'active'})
WITH pid, coalesce(end, start) AS p
MATCH (p)<-[:OF]-(i:Identifier)-[:GAVE]->(c:Consent {purpose: $purpose})
WITH pid, c, i ORDER BY c.at, c.id
RETURN pid AS profile, c.id AS id, c.purpose AS purpose, c.granted AS granted, c.at AS at,
       c.source AS source, c.expires_at AS expires_at, c.event AS event,
       i.type AS identifier_type
