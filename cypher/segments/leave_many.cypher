// Profiles that no longer meet a segment's condition leave it; rows as in enter_many.
UNWIND $rows AS row
MATCH (:Profile {id: row.id})-[m:IN_SEGMENT]->(s:Segment {key: row.key})
DELETE m
RETURN row.key AS key, collect(row.id) AS ids
