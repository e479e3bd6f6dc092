// Activate or pause a segment (a paused one is neither evaluated nor refreshed).
MATCH (s:Segment {key: $ws + ':' + $name})
SET s.active = $active, s.updated_at = $at
RETURN s.name AS name
