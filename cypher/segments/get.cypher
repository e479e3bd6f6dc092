// One segment with its member count and where its whole evaluation stands.
MATCH (s:Segment {key: $ws + ':' + $name})
RETURN s.name AS name, s.description AS description, s.definition AS definition,
       s.version AS version, s.active AS active, s.updated_at AS updated_at,
       COUNT { (s)<-[:IN_SEGMENT]-() } AS members,
       s.evaluation_status AS evaluation_status, s.evaluation_done AS evaluation_done,
       s.evaluation_total AS evaluation_total, s.evaluation_entered AS evaluation_entered,
       s.evaluation_left AS evaluation_left, s.evaluation_started_at AS evaluation_started_at,
       s.evaluation_finished_at AS evaluation_finished_at
