// Create or replace a segment definition; every save is a new version.
MERGE (s:Segment {key: $ws + ':' + $name})
ON CREATE SET s.ws = $ws, s.name = $name, s.created_at = $at, s.version = 0, s.active = false
SET s.definition = $definition, s.description = $description, s.version = s.version + 1,
    s.updated_at = $at, s.updated_by = $by
RETURN s.version AS version
