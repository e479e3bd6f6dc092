// The workspace's active journeys and their current versions (read on every change-feed batch:
// no counting).
MATCH (j:Journey {ws: $ws})
WHERE j.active
RETURN j.name AS name, j.version AS version
ORDER BY j.name
