// Profiles of this workspace that no longer meet a segment's condition leave it; rows as in
// enter_many. Returns the profiles that left, by segment name.
UNWIND $rows AS row
MATCH (p:Profile {id: row.id, ws: $ws})-[m:IN_SEGMENT]->(s:Segment {key: row.key, ws: $ws})
DELETE m
RETURN s.name AS segment, collect(row.id) AS ids
