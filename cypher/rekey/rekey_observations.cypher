// Observations under the renamed identifier's key: the first of a group takes the new key
// and the merged counts, the rest (the same value seen under two kids) are deleted.
UNWIND $rows AS row
MATCH (o:Observation {key: row.old})
FOREACH (_ IN CASE WHEN row.keep THEN [1] ELSE [] END |
  SET o.key = row.key, o.vid = row.vid, o.enc = row.enc, o.count = row.count,
      o.first_at = row.first_at, o.at = row.at, o.confidence = row.confidence,
      o.event = row.event)
FOREACH (_ IN CASE WHEN row.keep THEN [] ELSE [1] END | DETACH DELETE o)
RETURN count(*) AS observations
