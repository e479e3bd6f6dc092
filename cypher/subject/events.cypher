// A page of the events owned by a profile's identifiers (payloads sealed), by event id.
MATCH (p:Profile {id: $id, ws: $ws})<-[:OF]-(i:Identifier)<-[:BY]-(e:Event)
WHERE e.id > $after
RETURN e.id AS id, e.type AS type, e.name AS name, e.at AS at, e.received_at AS received_at,
       e.source AS source, e.flags AS flags, e.enc AS enc,
       coalesce(e.sealed_for, i.key) AS owner,
       i.type AS owner_type
ORDER BY e.id
LIMIT $limit
