// Where a segment's whole evaluation stands, with the definition it evaluates.
MATCH (s:Segment {key: $ws + ':' + $name})
RETURN s.active AS active, s.definition AS definition, s.evaluation_run AS run,
       s.evaluation_status AS status, s.evaluation_cursor AS cursor
