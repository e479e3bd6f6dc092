// The latest identify calls of a profile's identifiers (sealed payloads carry the traits).
MATCH (p:Profile {id: $id, ws: $ws})<-[:OF]-(i:Identifier)<-[:BY]-(e:Event {type: 'identify'})
RETURN e.id AS id, e.at AS at, e.enc AS enc, i.key AS owner
ORDER BY e.at DESC, e.id DESC
LIMIT $limit
