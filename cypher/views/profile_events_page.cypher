// A page of a profile's events, newest first, after a cursor (at, id), optionally of one name
// and within a time range; payloads sealed under their owning identifier's key (or the key a
// blind-index rotation has re-sealed them for, `sealed_for`).
MATCH (p:Profile {id: $id, ws: $ws})<-[:OF]-(i:Identifier)<-[:BY]-(e:Event)
WHERE ($name IS NULL OR e.name = $name)
  AND ($since IS NULL OR e.at >= $since)
  AND ($until IS NULL OR e.at < $until)
  AND ($after_at IS NULL OR e.at < $after_at OR (e.at = $after_at AND e.id > $after_id))
RETURN e.id AS id, e.type AS type, e.name AS name, e.at AS at, e.received_at AS received_at,
       e.source AS source, e.flags AS flags, e.enc AS enc,
       coalesce(e.sealed_for, i.key) AS owner,
       i.type AS owner_type
ORDER BY e.at DESC, e.id
LIMIT $limit
