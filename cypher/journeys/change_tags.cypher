// Add and remove tags on many profiles in one write (merged ids follow their lineage to the
// survivor); rows are {profile, tag, add}, in profile order, each profile's in the order its
// changes were made. Tags are plain, queryable on p.tags. A profile that is gone is passed over.
UNWIND $rows AS row
MATCH (start:Profile {id: row.profile, ws: $ws})
OPTIONAL MATCH (start)-[:MERGED_INTO*1..32]->(end:Profile {status: 'active'})
WITH row, coalesce(end, start) AS p
SET p.tags = [t IN coalesce(p.tags, []) WHERE t <> row.tag] +
  CASE WHEN row.add THEN [row.tag] ELSE [] END
RETURN count(p) AS changed
