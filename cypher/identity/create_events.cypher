// Store new events and attach each to the identifier it belongs to. The caller has checked,
// under the workspace lock, that none of these ids exists (the unique constraint still guards).
CYPHER replan=skip
UNWIND $rows AS row
CREATE (e:Event {id: row.id, ws: $ws, type: row.type, name: row.name, at: row.at,
                 received_at: row.received_at, source: row.source, plain: row.plain,
                 enc: row.enc, flags: row.flags})
WITH e, row
OPTIONAL MATCH (o:Identifier {key: row.owner})
USING INDEX SEEK o:Identifier(key)
FOREACH (_ IN CASE WHEN o IS NULL THEN [] ELSE [1] END | CREATE (e)-[:BY]->(o))
RETURN count(e) AS events
