// The segments a profile belongs to, with when it entered each.
MATCH (:Profile {id: $id, ws: $ws})-[m:IN_SEGMENT]->(s:Segment)
RETURN s.name AS name, m.since AS since
ORDER BY s.name
