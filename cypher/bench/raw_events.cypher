// Benchmark raw limit: events merged on their id with their BY edge (identity/create_events).
UNWIND $rows AS row
MERGE (e:Event {id: row.id})
ON CREATE SET
  e.ws = $ws, e.type = row.type, e.name = row.name, e.at = row.at,
  e.received_at = row.received_at, e.source = row.source, e.plain = row.plain,
  e.enc = row.enc, e.flags = row.flags
WITH e, row
OPTIONAL MATCH (o:Identifier {key: row.owner})
FOREACH (_ IN CASE WHEN o IS NULL THEN [] ELSE [1] END | MERGE (e)-[:BY]->(o))
RETURN count(e) AS events
