// A source's event retention in days (null: the workspace default).
MATCH (s:Source {id: $id, ws: $ws})
SET s.retention_days = $days
RETURN s.id AS id
