// Nodes per label, all workspaces, from the count store (exact, and cheap on any graph).
CALL db.stats.retrieve('GRAPH COUNTS') YIELD data
UNWIND data.nodes AS row
WITH row
WHERE row.label IS NOT NULL AND row.count > 0
RETURN row.label AS label, row.count AS nodes
ORDER BY label
