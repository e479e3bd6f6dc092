// An event a journey emits, owned by the profile's oldest identifier (idempotent by id).
MERGE (e:Event {id: $id})
ON CREATE SET e.ws = $ws, e.type = 'track', e.name = $name, e.at = $at, e.received_at = $at,
              e.source = $source, e.plain = '{}', e.enc = $enc, e.flags = ['journey']
WITH e
MATCH (i:Identifier {key: $owner})
MERGE (e)-[:BY]->(i)
RETURN e.id AS id
