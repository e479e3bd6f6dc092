// The workspace's active segments' definitions (read on every change-feed batch: no counting).
MATCH (s:Segment {ws: $ws})
WHERE s.active
RETURN s.name AS name, s.definition AS definition
ORDER BY s.name
