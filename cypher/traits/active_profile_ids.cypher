// Page through the active profiles of a workspace (to recompute golden records).
MATCH (p:Profile {ws: $ws, status: 'active'})
WHERE p.id > $after
RETURN p.id AS id
ORDER BY p.id
LIMIT $limit
