// A scheduled refresh of a segment is done up to $at (segments/refresh_marks).
MATCH (s:Segment {key: $ws + ':' + $name})
SET s.refreshed_at = $at
