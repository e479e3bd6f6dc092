// Remove a tag from a profile (merged ids follow their lineage).
MATCH (start:Profile {id: $profile, ws: $ws})
OPTIONAL MATCH (start)-[:MERGED_INTO*1..32]->(end:Profile {status: 'active'})
WITH coalesce(end, start) AS p
SET p.tags = [t IN coalesce(p.tags, []) WHERE t <> $tag]
RETURN p.id AS profile
