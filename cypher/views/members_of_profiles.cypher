// The identifiers of several profiles at once (values sealed), with their event counts.
UNWIND $ids AS pid
MATCH (p:Profile {id: pid, ws: $ws})<-[:OF]-(i:Identifier)
RETURN pid AS profile, i.key AS key, i.type AS type, i.enc AS enc,
       i.first_seen AS first_seen, i.last_seen AS last_seen, i.generic AS generic,
       i.blocked AS blocked, COUNT { (i)<-[:BY]-(:Event) } AS events
ORDER BY pid, i.type, i.first_seen, i.key
