// Start evaluating a whole segment over the workspace's profiles (activation, a new version):
// a new run replaces any before it, which stops at its next page. Its total is the number of
// profiles now (profiles made later are evaluated in real time).
MATCH (s:Segment {key: $ws + ':' + $name})
SET s.evaluation_run = $run, s.evaluation_status = 'running', s.evaluation_cursor = '',
    s.evaluation_done = 0, s.evaluation_entered = 0, s.evaluation_left = 0,
    s.evaluation_total = COUNT { (:Profile {ws: $ws}) },
    s.evaluation_started_at = $at, s.evaluation_finished_at = null,
    // Every profile is decided from now on: a scheduled refresh need only look at what time
    // changes after it (segments/refresh_marks).
    s.refreshed_at = $at
RETURN s.evaluation_total AS total
