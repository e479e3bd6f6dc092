// Record a page of a whole evaluation, and its status ('running', 'done', 'stopped',
// 'failed'); only while the run is the segment's current one.
MATCH (s:Segment {key: $ws + ':' + $name})
WHERE s.evaluation_run = $run
SET s.evaluation_cursor = $cursor, s.evaluation_done = s.evaluation_done + $done,
    s.evaluation_entered = s.evaluation_entered + $entered,
    s.evaluation_left = s.evaluation_left + $left, s.evaluation_status = $status,
    s.evaluation_finished_at = CASE WHEN $status = 'running' THEN null ELSE $at END
RETURN s.evaluation_status AS status
