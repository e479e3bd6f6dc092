// Until when each active segment's memberships are known to hold against the passing of time:
// its last scheduled refresh, or the start of its last whole evaluation (null: neither yet).
MATCH (s:Segment {ws: $ws})
WHERE s.active
RETURN s.name AS name, s.refreshed_at AS refreshed_at
