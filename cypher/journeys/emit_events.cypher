// Events journeys emit, each owned by its profile's oldest identifier in this workspace
// (idempotent by id); rows are {id, name, at, source, enc, owner}. Nothing is written for an
// event whose owner no longer has that key (a blind-index rotation re-keyed it since the
// payload was sealed): the caller seals it again for the new key. Returns the ids stored (or
// found stored).
UNWIND $events AS ev
MATCH (i:Identifier {key: ev.owner})
WHERE i.ws = $ws
MERGE (e:Event {id: ev.id})
ON CREATE SET e.ws = $ws, e.type = 'track', e.name = ev.name, e.at = ev.at,
              e.received_at = ev.at, e.source = ev.source, e.plain = '{}', e.enc = ev.enc,
              e.flags = ['journey']
MERGE (e)-[:BY]->(i)
RETURN e.id AS id
