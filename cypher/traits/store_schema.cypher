MERGE (s:TraitSchema {ws: $ws})
SET s.json = $json, s.version = coalesce(s.version, 0) + 1, s.updated_at = $at, s.by = $by
RETURN s.version AS version
