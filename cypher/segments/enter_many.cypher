// Profiles of this workspace that meet a segment's condition and were not members enter it
// now; rows are {key: segment key, id: profile id}. The rows' profiles are locked first, in id
// order, as identity writers lock them (identity/lock_profiles): a membership write then waits
// for the resolver's batch that holds one of them, instead of taking a dense profile's
// relationship locks in an order of its own and deadlocking with it. Returns the profiles
// that entered, by segment name.
CALL (*) {
  UNWIND $rows AS row
  WITH DISTINCT row.id AS id
  ORDER BY id
  MATCH (p:Profile {id: id, ws: $ws})
  SET p:Profile
  RETURN count(p) AS locked
}
UNWIND $rows AS row
MATCH (s:Segment {key: row.key, ws: $ws})
MATCH (p:Profile {id: row.id, ws: $ws})
WHERE NOT EXISTS { (p)-[:IN_SEGMENT]->(s) }
CREATE (p)-[:IN_SEGMENT {since: $at}]->(s)
RETURN s.name AS segment, collect(row.id) AS ids
