// Profiles of this workspace that no longer meet a segment's condition leave it; rows as in
// enter_many, whose profiles are locked first in id order for the same reason. Returns the
// profiles that left, by segment name.
CALL (*) {
  UNWIND $rows AS row
  WITH DISTINCT row.id AS id
  ORDER BY id
  MATCH (p:Profile {id: id, ws: $ws})
  SET p:Profile
  RETURN count(p) AS locked
}
UNWIND $rows AS row
MATCH (p:Profile {id: row.id, ws: $ws})-[m:IN_SEGMENT]->(s:Segment {key: row.key, ws: $ws})
DELETE m
RETURN s.name AS segment, collect(row.id) AS ids
