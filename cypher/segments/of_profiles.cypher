// The names of the segments each of these profiles belongs to (a profile in none, or unknown,
// is left out).
UNWIND $ids AS id
MATCH (p:Profile {id: id, ws: $ws})
WITH id, COLLECT { MATCH (p)-[:IN_SEGMENT]->(s:Segment) RETURN s.name } AS names
WHERE size(names) > 0
RETURN id, names
