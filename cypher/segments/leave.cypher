// Profiles that no longer meet a segment's condition leave it.
MATCH (s:Segment {key: $key})
UNWIND $ids AS pid
MATCH (:Profile {id: pid})-[m:IN_SEGMENT]->(s)
DELETE m
RETURN collect(pid) AS left
