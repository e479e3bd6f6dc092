// Page through every identifier key of a workspace (for re-resolution).
MATCH (i:Identifier {ws: $ws})
WHERE i.key > $after
RETURN i.key AS key
ORDER BY i.key
LIMIT $limit
