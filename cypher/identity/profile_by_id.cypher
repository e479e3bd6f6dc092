// A profile by id; a merged id resolves to the active profile at the end of its lineage.
MATCH (p:Profile {id: $id, ws: $ws})
OPTIONAL MATCH (p)-[:MERGED_INTO*1..32]->(active:Profile {status: 'active'})
RETURN p.id AS id, p.status AS status, p.created_at AS created_at,
       p.updated_at AS updated_at, p.version AS version, active.id AS merged_into
