// Profiles of this workspace that meet a segment's condition and were not members enter it
// now; rows are {key: segment key, id: profile id}, sorted, so writers take their locks in
// one order. Returns the profiles that entered, by segment name.
UNWIND $rows AS row
MATCH (s:Segment {key: row.key, ws: $ws})
MATCH (p:Profile {id: row.id, ws: $ws})
WHERE NOT EXISTS { (p)-[:IN_SEGMENT]->(s) }
CREATE (p)-[:IN_SEGMENT {since: $at}]->(s)
RETURN s.name AS segment, collect(row.id) AS ids
