// A page of profile ids (active or not) after a cursor, for a full re-evaluation.
MATCH (p:Profile {ws: $ws})
WHERE p.id > $after
RETURN p.id AS id
ORDER BY p.id
LIMIT $limit
