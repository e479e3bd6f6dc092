// An event a journey emits, owned by the profile's oldest identifier (idempotent by id).
// Nothing is written when that identifier no longer has this key (a blind-index rotation
// re-keyed it since the payload was sealed): the caller seals again for its new key.
MATCH (i:Identifier {key: $owner})
MERGE (e:Event {id: $id})
ON CREATE SET e.ws = $ws, e.type = 'track', e.name = $name, e.at = $at, e.received_at = $at,
              e.source = $source, e.plain = '{}', e.enc = $enc, e.flags = ['journey']
MERGE (e)-[:BY]->(i)
RETURN e.id AS id
