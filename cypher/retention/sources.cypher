// Sources with their own event retention (null: the workspace default applies).
MATCH (s:Source {ws: $ws})
RETURN s.id AS id, s.retention_days AS retention_days
ORDER BY s.id
