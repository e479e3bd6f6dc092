// The identifiers of a profile (values encrypted) and how many events they own.
MATCH (p:Profile {id: $id, ws: $ws})<-[:OF]-(i:Identifier)
RETURN i.key AS key, i.type AS type, i.enc AS enc, i.first_seen AS first_seen,
       i.last_seen AS last_seen, i.generic AS generic, i.blocked AS blocked,
       COUNT { (i)<-[:BY]-(:Event) } AS events
ORDER BY i.type, i.first_seen, i.key
