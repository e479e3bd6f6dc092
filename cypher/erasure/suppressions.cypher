// Suppressed identifier keys of the workspace (their subjects were erased).
MATCH (s:Suppression {ws: $ws})
RETURN s.key AS key, s.type AS type, s.at AS at, s.request AS request
ORDER BY s.key
