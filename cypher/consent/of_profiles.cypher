// Consent decisions for one purpose across the identifiers of several profiles at once.
UNWIND $ids AS pid
MATCH (p:Profile {id: pid, ws: $ws})<-[:OF]-(:Identifier)-[:GAVE]->(c:Consent {purpose: $purpose})
RETURN pid AS profile, c.id AS id, c.purpose AS purpose, c.granted AS granted, c.at AS at,
       c.source AS source, c.expires_at AS expires_at, c.event AS event
